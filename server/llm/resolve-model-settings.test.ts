import { describe, expect, it } from "vitest";
import { parseEnv } from "@/server/env";
import { AppError } from "@/server/errors";
import { costOf, parsePriceTable } from "@/server/llm/price-table";
import { resolveModelSettings } from "@/server/llm/resolve-model-settings";
import { createLlmClient } from "@/server/llm/create-llm-client";

describe("resolveModelSettings", () => {
  it("maps every mode to its endpoint and key", () => {
    const env = parseEnv({
      OPENAI_API_KEY: "sk-o",
      DEEPSEEK_API_KEY: "sk-d",
      LITELLM_API_KEY: "sk-l",
      LITELLM_URL: "http://proxy:4000",
      LOCAL_LLM_URL: "http://ollama:11434/v1",
    });
    expect(resolveModelSettings({ ...env, LLM_MODE: "openai" })).toMatchObject({ baseUrl: "https://api.openai.com/v1", apiKey: "sk-o" });
    expect(resolveModelSettings({ ...env, LLM_MODE: "deepseek" })).toMatchObject({ baseUrl: "https://api.deepseek.com/v1", apiKey: "sk-d" });
    expect(resolveModelSettings({ ...env, LLM_MODE: "litellm" })).toMatchObject({ baseUrl: "http://proxy:4000", apiKey: "sk-l" });
    expect(resolveModelSettings({ ...env, LLM_MODE: "local" })).toMatchObject({ baseUrl: "http://ollama:11434/v1", apiKey: undefined });
  });

  it("uses per-role models, LLM_MODEL over all, LOCAL_MODEL in local mode", () => {
    const env = parseEnv({ PLANNER_MODEL: "p", CODER_MODEL: "c", LOCAL_MODEL: "qwen" });
    const byRole = resolveModelSettings(env).models;
    expect(byRole.planner).toBe("p");
    expect(byRole.coder).toBe("c");
    expect(byRole.critic).toBe("anthropic/claude-sonnet-4-5");
    expect(Object.values(resolveModelSettings({ ...env, LLM_MODE: "local" }).models)).toEqual(Array(5).fill("qwen"));
    expect(Object.values(resolveModelSettings({ ...env, LLM_MODE: "local", LLM_MODEL: "one" }).models)).toEqual(Array(5).fill("one"));
    expect(resolveModelSettings({ ...env, LLM_MODEL: "one" }).models.planner).toBe("one");
  });

  it("lets the user's own settings win", () => {
    const env = parseEnv({ LLM_MODEL: "server-wide", OPENAI_API_KEY: "server-key" });
    const resolved = resolveModelSettings(env, {
      mode: "openai",
      apiKey: "user-key",
      baseUrl: "http://mine/v1",
      models: { coder: "my-coder" },
    });
    expect(resolved).toMatchObject({ mode: "openai", apiKey: "user-key", baseUrl: "http://mine/v1" });
    expect(resolved.models.coder).toBe("my-coder");
    expect(resolved.models.planner).toBe("server-wide");
    expect(resolveModelSettings(env, { mode: "openai" }).apiKey).toBe("server-key");
  });

  it("never sends the server's key to an endpoint the user chose", () => {
    const env = parseEnv({ LLM_MODE: "openai", OPENAI_API_KEY: "sk-server" });
    expect(resolveModelSettings(env, { baseUrl: "https://elsewhere.example/v1" }).apiKey).toBeUndefined();
    expect(resolveModelSettings(env, { baseUrl: "https://elsewhere.example/v1", apiKey: "sk-user" }).apiKey).toBe("sk-user");
    expect(resolveModelSettings(env, { models: { coder: "gpt-4o-mini" } }).apiKey).toBe("sk-server");
  });

  it("converts the timeout to ms and merges LLM_PRICES over the built-in table", () => {
    const resolved = resolveModelSettings(parseEnv({ LLM_TIMEOUT: "2.5", LLM_PRICES: '{"gpt-4o":{"input":1,"output":1}}' }));
    expect(resolved.timeoutMs).toBe(2500);
    expect(resolved.prices["gpt-4o"]).toEqual({ input: 1, output: 1 });
    expect(resolved.prices["deepseek-chat"]).toBeDefined();
  });

  it("rejects bad LLM_PRICES with a message naming it", () => {
    expect(() => parsePriceTable("{oops")).toThrow(/LLM_PRICES/);
    expect(() => parsePriceTable('{"m":{"input":-1,"output":1}}')).toThrow(AppError);
  });

  it("prices provider-prefixed names and leaves unknown models at zero", () => {
    const prices = parsePriceTable(undefined);
    expect(costOf(prices, "anthropic/claude-sonnet-4-5", 1_000_000, 1_000_000)).toBeCloseTo(18);
    expect(costOf(prices, "mystery", 1000, 1000)).toBe(0);
  });

  it("refuses to build a client for a hosted mode without a key", () => {
    const settings = resolveModelSettings(parseEnv({ LLM_MODE: "openai" }));
    expect(() => createLlmClient({ settings })).toThrow(/API key/);
  });
});
