/**
 * What the model client adds on top of the HTTP call, and how long one whole task takes in the
 * orchestrator when the model answers instantly (so the figure is the engine's own cost).
 *
 * Against the fake OpenAI-compatible server on loopback: medians of a streamed 2 KB answer through
 * createLlmClient vs a bare fetch of the same SSE response (baseline, same run), and a cut stream retried.
 * Run alone: npx tsx bench/llm-client.ts [--quick]
 */
import { pathToFileURL } from "node:url";
import { parseEnv } from "@/server/env";
import { createLlmClient } from "@/server/llm/create-llm-client";
import { resolveModelSettings } from "@/server/llm/resolve-model-settings";
import { startFakeLlm } from "@/tests/fake-llm/fake-llm-server";

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const round = (ms: number) => Math.round(ms * 1000) / 1000;

export async function benchLlmClient({ quick = false }: { quick?: boolean } = {}): Promise<Record<string, number>> {
  const runs = quick ? 5 : 41;
  const llm = await startFakeLlm({ defaults: false });
  const text = "x".repeat(2048);
  const settings = { ...resolveModelSettings(parseEnv({ LLM_MODE: "litellm", LITELLM_URL: llm.url })), maxRetries: 2 };
  const client = createLlmClient({ settings, retryBaseMs: 1, retryMaxMs: 1 });
  const messages = [{ role: "user" as const, content: "hello" }];
  try {
    const rawMs: number[] = [];
    const clientMs: number[] = [];
    const cutMs: number[] = [];
    for (let i = 0; i < runs + 1; i++) {
      llm.script("coder", { text, chunkSize: 64 }, { text, chunkSize: 64 }, { text, chunkSize: 64, cutAfterChunks: 8 }, { text, chunkSize: 64 });
      let started = performance.now();
      const response = await fetch(`${llm.url}/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-agent-role": "coder" },
        body: JSON.stringify({ model: "m", messages, stream: true, stream_options: { include_usage: true } }),
      });
      await response.text();
      const raw = performance.now() - started;
      started = performance.now();
      await client.complete({ role: "coder", runId: "bench", messages });
      const viaClient = performance.now() - started;
      started = performance.now();
      await client.complete({ role: "coder", runId: "bench", messages });
      const cut = performance.now() - started;
      // The first round warms up connections and the JIT.
      if (i > 0) {
        rawMs.push(raw);
        clientMs.push(viaClient);
        cutMs.push(cut);
      }
    }
    return {
      runs,
      raw_fetch_stream_2kb_median_ms: round(median(rawMs)),
      client_stream_2kb_median_ms: round(median(clientMs)),
      client_overhead_median_ms: round(median(clientMs) - median(rawMs)),
      cut_stream_detected_and_retried_median_ms: round(median(cutMs)),
    };
  } finally {
    await llm.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  console.log(await benchLlmClient({ quick: process.argv.includes("--quick") }));
}
