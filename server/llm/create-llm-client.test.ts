import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { parseEnv } from "@/server/env";
import { AppError } from "@/server/errors";
import { createLlmClient } from "@/server/llm/create-llm-client";
import { resolveModelSettings, type ModelSettings } from "@/server/llm/resolve-model-settings";
import type { CallUsage, DiscardNotice } from "@/server/llm/types";
import { startFakeLlm, type FakeLlm } from "@/tests/fake-llm/fake-llm-server";

let llm: FakeLlm;
beforeAll(async () => {
  llm = await startFakeLlm({ defaults: false });
});
afterAll(() => llm.close());
beforeEach(() => {
  llm.requests.length = 0;
});

/** The operator's endpoint goes through the platform's fetch; a user's own (allowed on loopback) through the pinned one. */
let endpoint: "operator" | "user" = "operator";

function settings(overrides: Partial<ModelSettings> = {}): ModelSettings {
  const env = parseEnv({ LLM_MODE: "litellm", LITELLM_URL: llm.url, ALLOW_PRIVATE_ADDRESSES: "true", LLM_PRICES: '{"fake-coder":{"input":1,"output":2}}' });
  const base = resolveModelSettings(env, { models: { coder: "fake-coder", planner: "fake-planner" }, ...(endpoint === "user" ? { baseUrl: llm.url } : {}) });
  return { ...base, maxRetries: 3, timeoutMs: 5_000, ...overrides };
}

const ask = { role: "coder" as const, runId: "run-1", messages: [{ role: "user" as const, content: "Write it" }] };

describe.each(["operator", "user"] as const)("createLlmClient against the fake server over HTTP (%s endpoint)", (kind) => {
  beforeAll(() => {
    endpoint = kind;
  });
  it("uses the pinned fetch only for a user's own endpoint", () => {
    expect(settings().userEndpoint).toEqual(kind === "user" ? { allowPrivate: true } : undefined);
  });

  it("marks a call to a model without a price as unpriced (its cost is unknown, not free)", async () => {
    llm.script("planner", { text: "a plan" });
    const result = await createLlmClient({ settings: settings() }).complete({ ...ask, role: "planner" });
    expect(result.usage).toMatchObject({ model: "fake-planner", costUsd: 0, priced: false });
  });

  it("streams tokens, sends the role and run headers, and records usage and cost", async () => {
    llm.script("coder", { text: "hello streaming world", chunkSize: 5 });
    const calls: CallUsage[] = [];
    const client = createLlmClient({ settings: settings(), onCall: (usage) => calls.push(usage) });
    const tokens: string[] = [];
    const result = await client.complete({ ...ask, onToken: (t) => tokens.push(t) });

    expect(result.text).toBe("hello streaming world");
    expect(tokens.length).toBeGreaterThanOrEqual(5);
    expect(tokens.join("")).toBe(result.text);
    const request = llm.requests[0]!;
    expect(request.headers["x-agent-role"]).toBe("coder");
    expect(request.headers["x-run-id"]).toBe("run-1");
    expect(request.body.stream).toBe(true);
    expect(request.body.model).toBe("fake-coder");
    expect(result.usage).toMatchObject({ model: "fake-coder", role: "coder", attempts: 1, estimated: false, priced: true });
    expect(result.usage.tokensIn).toBeGreaterThan(0);
    expect(result.usage.tokensOut).toBe(Math.ceil(result.text.length / 4));
    expect(result.usage.costUsd).toBeCloseTo((result.usage.tokensIn * 1 + result.usage.tokensOut * 2) / 1e6, 12);
    expect(result.usage.latencyMs).toBeGreaterThanOrEqual(0);
    expect(calls).toEqual([result.usage]);
  });

  it("retries a 429 after the Retry-After delay", async () => {
    llm.script("coder", { status: 429, retryAfter: 1 }, "after the wait");
    const client = createLlmClient({ settings: settings(), retryBaseMs: 10 });
    const started = Date.now();
    const result = await client.complete(ask);
    expect(result.text).toBe("after the wait");
    expect(result.usage.attempts).toBe(2);
    expect(llm.requests).toHaveLength(2);
    const gap = llm.requests[1]!.receivedAt - llm.requests[0]!.receivedAt;
    expect(gap).toBeGreaterThanOrEqual(950);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  it("retries 500s with backoff and gives up at the cap with a clear AppError", async () => {
    llm.script("coder", { status: 500 }, { status: 502 }, "recovered");
    const client = createLlmClient({ settings: settings(), retryBaseMs: 5 });
    expect((await client.complete(ask)).text).toBe("recovered");

    llm.script("coder", { status: 500 }, { status: 500 }, { status: 500 });
    const capped = createLlmClient({ settings: settings({ maxRetries: 2 }), retryBaseMs: 5 });
    const error = await capped.complete(ask).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe("UNAVAILABLE");
    expect((error as AppError).message).toMatch(/after 3 attempt/);
    expect(llm.pending("coder")).toBe(0);
  });

  it("does not retry a 400", async () => {
    llm.script("coder", { status: 400, message: "bad model" }, "never sent");
    const client = createLlmClient({ settings: settings(), retryBaseMs: 5 });
    const error = await client.complete(ask).catch((e: unknown) => e);
    expect(AppError.is(error, "BAD_REQUEST")).toBe(true);
    expect(llm.requests).toHaveLength(1);
    llm.script("coder"); // leave the queue as found
    await client.complete(ask);
  });

  it("detects a dropped stream, tells the listener, and retries from scratch", async () => {
    llm.script("coder", { text: "partial answer that breaks", chunkSize: 4, cutAfterChunks: 2 }, "the whole answer");
    const client = createLlmClient({ settings: settings(), retryBaseMs: 5 });
    const discards: DiscardNotice[] = [];
    let streamed = "";
    const result = await client.complete({
      ...ask,
      onToken: (t) => (streamed += t),
      onDiscard: (notice) => {
        discards.push(notice);
        streamed = "";
      },
    });
    expect(result.text).toBe("the whole answer");
    expect(streamed).toBe("the whole answer");
    expect(discards).toHaveLength(1);
    expect(discards[0]!.discardedChars).toBe(8);
    expect(result.usage.attempts).toBe(2);
  });

  it("treats a stream that ends without a finish_reason as cut", async () => {
    llm.script("coder", { text: "looks complete", endWithoutFinish: true }, { text: "no", endWithoutFinish: true });
    const client = createLlmClient({ settings: settings({ maxRetries: 1 }), retryBaseMs: 5 });
    const error = await client.complete(ask).catch((e: unknown) => e);
    expect(AppError.is(error)).toBe(true);
    expect((error as Error).message).toMatch(/ended before the model finished/);
    expect(llm.requests).toHaveLength(2);
  });

  it("times out a request that never answers", async () => {
    llm.script("coder", { hang: true }, { hang: true });
    const client = createLlmClient({ settings: settings({ timeoutMs: 300, maxRetries: 1 }), retryBaseMs: 5 });
    const started = Date.now();
    const error = await client.complete(ask).catch((e: unknown) => e);
    expect(AppError.is(error, "TIMEOUT")).toBe(true);
    expect(llm.requests).toHaveLength(2);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("times out a stream that stalls after the headers", async () => {
    llm.script("coder", { text: "slow slow slow slow", chunkSize: 1, chunkDelayMs: 100 });
    const client = createLlmClient({ settings: settings({ timeoutMs: 400, maxRetries: 0 }) });
    const error = await client.complete(ask).catch((e: unknown) => e);
    expect(AppError.is(error, "TIMEOUT")).toBe(true);
  });

  it("an AbortSignal cancels at once, mid-stream, without a retry", async () => {
    llm.script("coder", { text: "x".repeat(200), chunkSize: 1, chunkDelayMs: 20 });
    const client = createLlmClient({ settings: settings() });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 150);
    const started = Date.now();
    const error = await client.complete({ ...ask, signal: controller.signal }).catch((e: unknown) => e);
    expect((error as Error).name).toBe("AbortError");
    expect(Date.now() - started).toBeLessThan(600);
    expect(llm.requests).toHaveLength(1);
  });

  it("estimates usage when the server sends none", async () => {
    llm.script("coder", { text: "12345678", omitUsage: true });
    const client = createLlmClient({ settings: settings() });
    const result = await client.complete(ask);
    expect(result.usage).toMatchObject({ estimated: true, tokensOut: 2 });
  });

  it("asks for a JSON object when json is set", async () => {
    llm.script("coder", "{}");
    await createLlmClient({ settings: settings() }).complete({ ...ask, json: true });
    expect(llm.requests[0]!.body.response_format).toEqual({ type: "json_object" });
  });
});
