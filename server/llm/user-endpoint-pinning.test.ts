import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { parseEnv } from "@/server/env";
import { AppError } from "@/server/errors";
import { checkModelEndpoint } from "@/server/llm/check-model-endpoint";
import { createLlmClient } from "@/server/llm/create-llm-client";
import { resolveModelSettings } from "@/server/llm/resolve-model-settings";
import { checkUserModelEndpoint, setHostResolverForTests } from "@/server/network/outbound-address";
import { startFakeLlm, type FakeLlm } from "@/tests/fake-llm/fake-llm-server";

let llm: FakeLlm;
beforeAll(async () => {
  llm = await startFakeLlm({ defaults: false });
});
afterAll(() => llm.close());
afterEach(() => setHostResolverForTests());

/** A user's own endpoint (Settings) at a name the system's DNS does not know: only the test's resolver answers it. */
function userSettings(allowPrivate: boolean) {
  const baseUrl = `http://model.rebind.test:${new URL(llm.url).port}/v1`;
  const settings = resolveModelSettings(parseEnv({ LLM_MODE: "litellm", ALLOW_PRIVATE_ADDRESSES: String(allowPrivate) }), { baseUrl, models: { coder: "fake-coder" } });
  return { ...settings, maxRetries: 2, timeoutMs: 30_000 };
}

const ask = { role: "coder" as const, runId: "run-pin", messages: [{ role: "user" as const, content: "Write it" }] };

describe("a user's own model endpoint is pinned to the address its check saw", () => {
  it("streams through the checked address (a local model allowed by ALLOW_PRIVATE_ADDRESSES keeps working), one lookup per connection", async () => {
    const lookedUp: string[] = [];
    setHostResolverForTests(async (host) => (lookedUp.push(host), ["127.0.0.1"]));
    llm.requests.length = 0;
    llm.script("coder", { text: "pinned and streamed", chunkSize: 4 }, { text: "again, same connection" });
    const client = createLlmClient({ settings: userSettings(true) });
    const tokens: string[] = [];
    const first = await client.complete({ ...ask, onToken: (token) => tokens.push(token) });
    expect(first.text).toBe("pinned and streamed");
    expect(tokens.length).toBeGreaterThanOrEqual(4);
    expect((await client.complete(ask)).text).toBe("again, same connection");
    // The name only the resolver knows was reached, with Host still naming it; the kept-alive connection was reused.
    expect(llm.requests.map((request) => request.headers.host)).toEqual([`model.rebind.test:${new URL(llm.url).port}`, `model.rebind.test:${new URL(llm.url).port}`]);
    expect(lookedUp).toEqual(["model.rebind.test"]);
  });

  it("refuses a name that rebinds to loopback after the run's check passed: the model server gets nothing and the run is told why", async () => {
    let lookups = 0;
    // The check at the run's start sees a public address; every later answer is loopback (where the fake model listens).
    setHostResolverForTests(async () => [lookups++ === 0 ? "192.0.2.10" : "127.0.0.1"]);
    const settings = userSettings(false);
    await checkUserModelEndpoint({ baseUrl: settings.baseUrl, allowPrivate: false });
    llm.requests.length = 0;
    llm.script("coder", "must never be asked for");
    expect(llm.pending("coder")).toBe(1);
    const failed = await createLlmClient({ settings, retryBaseMs: 10 })
      .complete(ask)
      .catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(AppError);
    expect((failed as AppError).userMessage).toMatch(/model\.rebind\.test \(127\.0\.0\.1\) is a loopback address.*ALLOW_PRIVATE_ADDRESSES/);
    // Not retried: a refusal is final (one lookup for the check, one for the single connection attempt).
    expect(lookups).toBe(2);
    expect(llm.requests).toHaveLength(0);
    expect(llm.pending("coder")).toBe(1);
    await createLlmClient({ settings: { ...settings, userEndpoint: undefined, baseUrl: llm.url } }).complete(ask); // used up here
  });

  it("Settings' Test connection goes through the same check at connection time", async () => {
    setHostResolverForTests(async () => ["127.0.0.1"]);
    llm.requests.length = 0;
    const refused = await checkModelEndpoint({ settings: userSettings(false) });
    expect(refused).toMatchObject({ ok: false, error: expect.stringMatching(/loopback address/) });
    expect(llm.requests).toHaveLength(0);
    const allowed = await checkModelEndpoint({ settings: userSettings(true) });
    expect(allowed).toMatchObject({ ok: true, models: expect.arrayContaining(["fake-model"]) });
  });

  it("leaves the operator's own endpoint alone: LITELLM_URL on loopback is used as configured", async () => {
    const settings = resolveModelSettings(parseEnv({ LLM_MODE: "litellm", LITELLM_URL: llm.url }));
    expect(settings.userEndpoint).toBeUndefined();
    llm.script("coder", "from the operator's endpoint");
    expect((await createLlmClient({ settings: { ...settings, models: { ...settings.models, coder: "fake-coder" } } }).complete(ask)).text).toBe("from the operator's endpoint");
  });
});
