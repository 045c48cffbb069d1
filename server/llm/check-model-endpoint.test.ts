import { createServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseEnv } from "@/server/env";
import { checkModelEndpoint } from "@/server/llm/check-model-endpoint";
import { describeServerModelStatus } from "@/server/llm/server-model-status";
import { resolveModelSettings } from "@/server/llm/resolve-model-settings";
import { startFakeLlm, type FakeLlm } from "@/tests/fake-llm/fake-llm-server";

let llm: FakeLlm;
beforeAll(async () => {
  llm = await startFakeLlm();
});
afterAll(() => llm.close());

/** A loopback port nothing listens on: bound, read, released. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const settingsFor = (env: Record<string, string>) => resolveModelSettings(parseEnv(env));

describe("checkModelEndpoint", () => {
  it("lists the endpoint's models with one GET /models", async () => {
    const before = llm.requests.length;
    const status = await checkModelEndpoint({ settings: settingsFor({ LLM_MODE: "litellm", LITELLM_URL: llm.url }) });
    expect(status).toMatchObject({ ok: true, mode: "litellm", baseUrl: llm.url, models: ["fake-embedding", "fake-model"] });
    expect(llm.requests.slice(before).map((r) => r.path)).toEqual(["/v1/models"]);
  });

  it("names the network's reason when nothing listens, and the log line names the variables to set", async () => {
    const port = await deadPort();
    const status = await checkModelEndpoint({ settings: settingsFor({ LLM_MODE: "litellm", LITELLM_URL: `http://127.0.0.1:${port}/v1` }) });
    expect(status.ok).toBe(false);
    if (status.ok) return;
    expect(status.error).toContain("ECONNREFUSED");
    const line = describeServerModelStatus(status);
    expect(line).toContain(`http://127.0.0.1:${port}/v1`);
    expect(line).toContain("LLM_MODE, LITELLM_URL, LITELLM_API_KEY");
    expect(line).toContain("Settings > Models");
  });

  it("refuses a hosted mode without a key before sending anything", async () => {
    const status = await checkModelEndpoint({ settings: settingsFor({ LLM_MODE: "openai" }) });
    expect(status).toMatchObject({ ok: false, error: expect.stringContaining("OPENAI_API_KEY") });
  });

  it("reports the HTTP status an endpoint answers with", async () => {
    const status = await checkModelEndpoint({ settings: settingsFor({ LLM_MODE: "litellm", LITELLM_URL: `${llm.url}/nothing-here` }) });
    expect(status).toMatchObject({ ok: false });
    if (!status.ok) expect(status.error).toMatch(/^HTTP 404/);
  });
});
