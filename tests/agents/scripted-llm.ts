import type { CompleteRequest, CompleteResult, LlmClient } from "@/server/llm/types";

/** An in-process LlmClient for agent unit tests: answers in order and keeps every request. */
export function scriptedLlm(...answers: string[]): LlmClient & { requests: CompleteRequest[] } {
  const requests: CompleteRequest[] = [];
  return {
    requests,
    async complete(request): Promise<CompleteResult> {
      requests.push(request);
      const text = answers.shift();
      if (text === undefined) throw new Error(`scriptedLlm: no answer left for ${request.role}`);
      for (const token of text.match(/.{1,5}/gs) ?? []) request.onToken?.(token);
      return {
        text,
        finishReason: "stop",
        usage: { model: "scripted", role: request.role, tokensIn: 10, tokensOut: 5, latencyMs: 0, costUsd: 0, attempts: 1, estimated: false, priced: true },
      };
    },
  };
}
