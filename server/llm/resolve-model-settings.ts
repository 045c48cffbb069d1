import type { Env, LlmMode } from "@/server/env";
import { parsePriceTable, type PriceTable } from "@/server/llm/price-table";
import { AGENT_ROLES, type AgentRole } from "@/server/llm/types";

/** What a user may set on the settings page; anything left out falls back to the server's settings. */
export interface UserModelOverrides {
  mode?: LlmMode;
  baseUrl?: string;
  apiKey?: string;
  models?: Partial<Record<AgentRole, string>>;
}

export interface ModelSettings {
  mode: LlmMode;
  baseUrl: string;
  apiKey: string | undefined;
  models: Record<AgentRole, string>;
  timeoutMs: number;
  maxRetries: number;
  prices: PriceTable;
  /**
   * Set when the base URL is a user's own (Settings), not the operator's: every connection to it is checked against
   * the outbound rules (private addresses only with ALLOW_PRIVATE_ADDRESSES) and pinned to the checked address.
   */
  userEndpoint?: { allowPrivate: boolean };
}

type ModelEnv = Pick<
  Env,
  | "LLM_MODE"
  | "OPENAI_API_KEY"
  | "OPENAI_BASE_URL"
  | "DEEPSEEK_API_KEY"
  | "DEEPSEEK_BASE_URL"
  | "LITELLM_URL"
  | "LITELLM_API_KEY"
  | "LOCAL_LLM_URL"
  | "LOCAL_MODEL"
  | "LLM_MODEL"
  | "PLANNER_MODEL"
  | "CODER_MODEL"
  | "TESTER_MODEL"
  | "DEBUGGER_MODEL"
  | "CRITIC_MODEL"
  | "DEFAULT_MODEL"
  | "LLM_TIMEOUT"
  | "LLM_MAX_RETRIES"
  | "LLM_PRICES"
  | "ALLOW_PRIVATE_ADDRESSES"
>;

function endpointFor(env: ModelEnv, mode: LlmMode): { baseUrl: string; apiKey: string | undefined } {
  switch (mode) {
    case "openai":
      return { baseUrl: env.OPENAI_BASE_URL, apiKey: env.OPENAI_API_KEY };
    case "deepseek":
      return { baseUrl: env.DEEPSEEK_BASE_URL, apiKey: env.DEEPSEEK_API_KEY };
    case "litellm":
      return { baseUrl: env.LITELLM_URL, apiKey: env.LITELLM_API_KEY };
    case "local":
      return { baseUrl: env.LOCAL_LLM_URL, apiKey: undefined };
  }
}

function roleModelFromEnv(env: ModelEnv, role: AgentRole): string {
  const byRole: Record<AgentRole, string> = {
    planner: env.PLANNER_MODEL,
    coder: env.CODER_MODEL,
    tester: env.TESTER_MODEL,
    debugger: env.DEBUGGER_MODEL,
    critic: env.CRITIC_MODEL,
  };
  return byRole[role] || env.DEFAULT_MODEL;
}

/**
 * Which endpoint, key and model each role uses. Order: the user's own setting, then LLM_MODEL (overrides
 * every role), then LOCAL_MODEL in local mode, then the role's model, then DEFAULT_MODEL. Pure.
 */
export function resolveModelSettings(env: ModelEnv, overrides?: UserModelOverrides): ModelSettings {
  const mode = overrides?.mode ?? env.LLM_MODE;
  const endpoint = endpointFor(env, mode);
  const models = {} as Record<AgentRole, string>;
  for (const role of AGENT_ROLES) {
    const fromEnv = env.LLM_MODEL ?? (mode === "local" ? env.LOCAL_MODEL : roleModelFromEnv(env, role));
    models[role] = overrides?.models?.[role] || fromEnv;
  }
  return {
    mode,
    baseUrl: overrides?.baseUrl || endpoint.baseUrl,
    // The server's key goes only to the server's own endpoint: a user who points at another URL brings their own.
    apiKey: overrides?.apiKey || (overrides?.baseUrl ? undefined : endpoint.apiKey),
    models,
    timeoutMs: Math.round(env.LLM_TIMEOUT * 1000),
    maxRetries: env.LLM_MAX_RETRIES,
    prices: parsePriceTable(env.LLM_PRICES),
    // The operator's endpoint (a LOCAL_LLM_URL on localhost, a proxy on the private network) is trusted as configured.
    ...(overrides?.baseUrl ? { userEndpoint: { allowPrivate: env.ALLOW_PRIVATE_ADDRESSES } } : {}),
  };
}
