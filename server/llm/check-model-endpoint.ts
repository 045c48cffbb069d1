import OpenAI from "openai";
import type { LlmMode } from "@/server/env";
import { modelEndpointFetch } from "@/server/llm/model-endpoint-fetch";
import type { ModelSettings } from "@/server/llm/resolve-model-settings";

export type ModelEndpointStatus =
  | { ok: true; mode: LlmMode; baseUrl: string; models: string[]; latencyMs: number; checkedAt: Date }
  | { ok: false; mode: LlmMode; baseUrl: string; error: string; checkedAt: Date };

/** The environment variables README names for each mode's endpoint and key, for messages that say what to set. */
export function endpointEnvVars(mode: LlmMode): string[] {
  switch (mode) {
    case "openai":
      return ["LLM_MODE", "OPENAI_BASE_URL", "OPENAI_API_KEY"];
    case "deepseek":
      return ["LLM_MODE", "DEEPSEEK_BASE_URL", "DEEPSEEK_API_KEY"];
    case "litellm":
      return ["LLM_MODE", "LITELLM_URL", "LITELLM_API_KEY"];
    case "local":
      return ["LLM_MODE", "LOCAL_LLM_URL", "LOCAL_MODEL"];
  }
}

/**
 * One cheap request (GET {baseUrl}/models) that tells whether the endpoint answers and the key is accepted.
 * Never throws: the error text is what the endpoint or the network said, for a person to act on.
 */
export async function checkModelEndpoint(options: { settings: ModelSettings; timeoutMs?: number }): Promise<ModelEndpointStatus> {
  const { mode, baseUrl, apiKey } = options.settings;
  const base = { mode, baseUrl };
  if ((mode === "openai" || mode === "deepseek") && !apiKey) {
    return { ...base, ok: false, error: `No API key: set ${mode.toUpperCase()}_API_KEY or a key in Settings.`, checkedAt: new Date() };
  }
  const client = new OpenAI({ baseURL: baseUrl, apiKey: apiKey ?? "not-needed", maxRetries: 0, timeout: options.timeoutMs ?? 5000, fetch: modelEndpointFetch(options.settings) });
  const started = performance.now();
  try {
    const page = await client.models.list();
    const models = page.data.map((model) => model.id).sort();
    return { ...base, ok: true, models, latencyMs: Math.round(performance.now() - started), checkedAt: new Date() };
  } catch (error) {
    return { ...base, ok: false, error: describeError(error), checkedAt: new Date() };
  }
}

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  // The SDK's "Connection error." hides the reason (ECONNREFUSED, ENOTFOUND) one or two causes down.
  const reasons: string[] = [error.message];
  let cause: unknown = error.cause;
  for (let depth = 0; cause instanceof Error && depth < 3; depth++, cause = cause.cause) {
    const code = (cause as { code?: string }).code;
    reasons.push(code && !cause.message.includes(code) ? `${cause.message} (${code})` : cause.message);
  }
  const status = (error as { status?: number }).status;
  return `${status ? `HTTP ${status}: ` : ""}${[...new Set(reasons.filter(Boolean))].join(": ")}`;
}
