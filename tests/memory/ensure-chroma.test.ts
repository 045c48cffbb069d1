import { existsSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { resetEnvForTests } from "@/server/env";
import { AppError } from "@/server/errors";
import { ensureChroma, getChromaClient, stopChroma } from "@/server/memory/chroma-server";
import { freePort } from "@/tests/helpers/free-port";

const alive = async (url: string) => {
  try {
    return (await fetch(`${url}/api/v2/heartbeat`)).ok;
  } catch {
    return false;
  }
};

const saved = { ...process.env };
let tmp: string;

beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), "ensure-chroma-"));
});

afterEach(async () => {
  await stopChroma();
  process.env = { ...saved };
  resetEnvForTests();
});

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function useEnv(values: Record<string, string | undefined>): void {
  for (const name of ["CHROMA_URL", "CHROMA_HOST", "CHROMA_PORT", "EMBEDDED_CHROMA_PORT", "DATA_DIR"]) delete process.env[name];
  Object.assign(process.env, values);
  resetEnvForTests();
}

describe("ensureChroma", () => {
  it("starts the bundled server under DATA_DIR, reuses it, and stops it", async () => {
    const port = await freePort();
    useEnv({ DATA_DIR: tmp, EMBEDDED_CHROMA_PORT: String(port) });
    const client = await getChromaClient();
    expect(typeof (await client.heartbeat())).toBe("number");
    await client.getOrCreateCollection({ name: "probe-collection", embeddingFunction: null });
    expect(existsSync(path.join(tmp, "chroma", "chroma.sqlite3"))).toBe(true);

    // A second caller (another process of ours) finds it answering and does not own it.
    const shared = await ensureChroma();
    expect(shared.url).toBe(`http://127.0.0.1:${port}`);
    await shared.stop();
    expect(await alive(shared.url)).toBe(true);

    await stopChroma();
    expect(await alive(shared.url)).toBe(false);
  });

  it("uses CHROMA_URL when set, and says so clearly when it does not answer", async () => {
    const port = await freePort();
    useEnv({ CHROMA_URL: `http://127.0.0.1:${port}` });
    const failure = await ensureChroma().catch((error: unknown) => error);
    expect(AppError.is(failure, "UNAVAILABLE")).toBe(true);
    expect((failure as AppError).userMessage).toContain("CHROMA_URL");
    // Nothing was started on the configured port in its place.
    expect(await alive(`http://127.0.0.1:${port}`)).toBe(false);
  });
});
