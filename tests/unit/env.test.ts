import path from "node:path";
import { describe, expect, it } from "vitest";
import { EnvError, parseEnv } from "@/server/env";

describe("parseEnv", () => {
  it("gives the original's defaults when nothing is set", () => {
    const env = parseEnv({});
    expect(env.LLM_MODE).toBe("litellm");
    expect(env.SANDBOX_TIMEOUT).toBe(30);
    expect(env.MAX_PARALLEL_WORKERS).toBe(3);
    expect(env.ENABLE_TOOL_USE).toBe(true);
    expect(env.DATABASE_URL).toBeUndefined();
    expect(env.DATA_DIR).toBe(path.resolve(".data"));
    expect(env.LOCAL_IMPORT_ROOTS).toEqual([]);
  });

  it("reads booleans, numbers and lists from strings", () => {
    const env = parseEnv({ ENABLE_PARALLEL_EXECUTION: "false", MAX_DEBUG_ATTEMPTS: "5", SANDBOX_CPUS: "1.5", LOCAL_IMPORT_ROOTS: "/srv/a, /srv/b" });
    expect(env.ENABLE_PARALLEL_EXECUTION).toBe(false);
    expect(env.MAX_DEBUG_ATTEMPTS).toBe(5);
    expect(env.SANDBOX_CPUS).toBe(1.5);
    expect(env.LOCAL_IMPORT_ROOTS).toEqual(["/srv/a", "/srv/b"]);
  });

  it("treats empty strings as unset for optional settings", () => {
    expect(parseEnv({ DATABASE_URL: "", OPENAI_API_KEY: "" }).DATABASE_URL).toBeUndefined();
  });

  it("names every bad setting in one error", () => {
    let error: unknown;
    try {
      parseEnv({ SANDBOX_TIMEOUT: "soon", LLM_MODE: "magic", ENABLE_TOOL_USE: "maybe", DATABASE_URL: "not a url" });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(EnvError);
    const message = (error as Error).message;
    for (const name of ["SANDBOX_TIMEOUT", "LLM_MODE", "ENABLE_TOOL_USE", "DATABASE_URL"]) expect(message).toContain(name);
  });

  it("refuses limits below their floor", () => {
    expect(() => parseEnv({ MAX_PARALLEL_WORKERS: "0" })).toThrow(/MAX_PARALLEL_WORKERS/);
    expect(() => parseEnv({ SANDBOX_MEMORY_MB: "4" })).toThrow(/SANDBOX_MEMORY_MB/);
  });
});
