import path from "node:path";
import { z } from "zod";
import { parseTrustedProxies } from "./auth/client-address";

/**
 * Every setting the product reads, validated once. Names follow the original AutoCodeAI where it had one.
 * A bad value fails start-up with a message naming the setting (see formatEnvError).
 */
const bool = (fallback: boolean) => z.stringbool().default(fallback);
const int = (fallback: number, min = 0) => z.coerce.number().int().min(min).default(fallback);
const num = (fallback: number, min = 0) => z.coerce.number().min(min).default(fallback);
const optionalString = z
  .string()
  .trim()
  .transform((value) => (value === "" ? undefined : value))
  .optional();
const optionalUrl = z
  .string()
  .trim()
  .transform((value) => (value === "" ? undefined : value))
  .pipe(z.url().optional())
  .optional();

export const LLM_MODES = ["litellm", "openai", "deepseek", "local"] as const;
export type LlmMode = (typeof LLM_MODES)[number];

export const ZEnv = z
  .object({
    NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
    PORT: int(3000, 1),
    HOSTNAME: z.string().default("localhost"),
    DATA_DIR: z.string().default(".data"),
    /** Comma-separated directories a project may be imported from by local path; empty turns local import off. */
    LOCAL_IMPORT_ROOTS: z.string().default(""),
    /** Largest repository a project may hold: files at HEAD, and their total size in MB (checked before checkout). */
    REPO_MAX_FILES: int(50_000, 1),
    REPO_MAX_MB: int(500, 1),
    /**
     * Imports, git_clone steps and users' own model endpoints may reach loopback, private, link-local and Docker
     * gateway addresses. Off: a user must not reach what only the server can (set it for a local Ollama).
     */
    ALLOW_PRIVATE_ADDRESSES: bool(false),

    // Database: with no DATABASE_URL an embedded Postgres (PGlite) is served on EMBEDDED_PG_PORT.
    DATABASE_URL: optionalUrl,
    EMBEDDED_PG_PORT: int(54329, 1),

    // Sign-in
    /**
     * Proxies whose X-Forwarded-For is believed (comma-separated addresses or CIDR subnets, e.g. 127.0.0.1 or
     * 10.0.0.0/8); empty: the socket's peer is the client, and forwarded headers are ignored.
     */
    TRUST_PROXY: z.string().default("").refine((value) => parseTrustedProxies(value) !== undefined, "Give comma-separated IP addresses or CIDR subnets (e.g. 127.0.0.1,10.0.0.0/8)."),
    /**
     * Who may create an account: anyone (open), people with an invitation from an admin or a project's owner
     * (invite-only), or nobody (closed). The first account of a fresh install is always allowed, as its admin.
     */
    SIGNUP: z.enum(["open", "invite-only", "closed"]).default("invite-only"),
    AUTH_SECRET: optionalString,
    AUTH_URL: optionalUrl,
    AUTH_GITHUB_ID: optionalString,
    AUTH_GITHUB_SECRET: optionalString,
    /** Key for API keys stored at rest; derived from AUTH_SECRET when unset. */
    SECRETS_KEY: optionalString,

    // Language models
    LLM_MODE: z.enum(LLM_MODES).default("litellm"),
    OPENAI_API_KEY: optionalString,
    OPENAI_BASE_URL: z.url().default("https://api.openai.com/v1"),
    DEEPSEEK_API_KEY: optionalString,
    DEEPSEEK_BASE_URL: z.url().default("https://api.deepseek.com/v1"),
    LITELLM_URL: z.url().default("http://localhost:4000"),
    LITELLM_API_KEY: optionalString,
    LOCAL_LLM_URL: z.url().default("http://localhost:11434/v1"),
    LOCAL_MODEL: z.string().default("deepseek-coder"),
    LLM_MODEL: optionalString,
    PLANNER_MODEL: z.string().default("gpt-4o"),
    CODER_MODEL: z.string().default("deepseek/deepseek-chat"),
    TESTER_MODEL: z.string().default("groq/llama-3.3-70b-versatile"),
    DEBUGGER_MODEL: z.string().default("anthropic/claude-sonnet-4-5"),
    CRITIC_MODEL: z.string().default("anthropic/claude-sonnet-4-5"),
    DEFAULT_MODEL: z.string().default("gpt-4o"),
    LLM_TIMEOUT: num(120, 1),
    LLM_MAX_RETRIES: int(3, 0),
    /** JSON object: model name -> { input, output } USD per million tokens; merged over the built-in table. */
    LLM_PRICES: optionalString,

    // Orchestration
    ENABLE_TOOL_USE: bool(true),
    TOOL_EXECUTOR_TIMEOUT: num(30, 1),
    ENABLE_PARALLEL_EXECUTION: bool(true),
    MAX_PARALLEL_WORKERS: int(3, 1),
    MAX_DEBUG_ATTEMPTS: int(3, 0),
    RUN_TOKEN_BUDGET: int(400_000, 1),
    RUN_COST_BUDGET_USD: num(5, 0),
    MAX_TASK_CHARS: int(20_000, 1),
    /** Hours a plan may wait for review before its run ends unapproved (plan review). */
    PLAN_APPROVAL_TIMEOUT_HOURS: num(24, 0.001),

    // Sandbox
    SANDBOX_IMAGE: z.string().default("autocodeai-sandbox:latest"),
    /** Base image of Node.js/TypeScript project environments (npm run sandbox:build:node). */
    SANDBOX_NODE_IMAGE: z.string().default("autocodeai-sandbox-node:latest"),
    /** Hours an environment image no project uses and no container runs is kept before it is removed (hourly sweep). */
    ENV_IMAGE_RETENTION_HOURS: num(168, 0),
    /** Seconds the repository's whole test suite may run (baseline and final verification). */
    SANDBOX_SUITE_TIMEOUT: num(600, 1),
    SANDBOX_TIMEOUT: num(30, 1),
    SANDBOX_MEMORY_MB: int(512, 16),
    SANDBOX_CPUS: num(0.5, 0.01),
    SANDBOX_PIDS_LIMIT: int(64, 8),
    SANDBOX_POOL_SIZE: int(3, 0),
    SANDBOX_OUTPUT_LIMIT_BYTES: int(256 * 1024, 1024),
    /** Size of a run's workspace (a tmpfs volume) and the most a repository may bring into it. */
    SANDBOX_WORKSPACE_MB: int(512, 16),

    // Memory
    CHROMA_URL: optionalUrl,
    CHROMA_HOST: optionalString,
    CHROMA_PORT: z.coerce.number().int().min(1).optional(),
    EMBEDDED_CHROMA_PORT: int(8011, 1),
    EMBEDDING_MODEL: optionalString,
    MEMORY_TOP_K: int(3, 0),
    REPO_SNIPPETS_TOP_K: int(5, 0),

    // Runs and workers
    WORKER_ENABLED: bool(true),
    MAX_CONCURRENT_RUNS: int(2, 1),
    MAX_CONCURRENT_RUNS_PER_USER: int(2, 1),
    /** A worker renews its hold on a run every third of this; a run whose lease lapses is marked interrupted. */
    RUN_LEASE_SECONDS: num(30, 1),
    /** On SIGTERM a worker lets the runs it holds finish for this long, then records them as interrupted. */
    WORKER_SHUTDOWN_GRACE_SECONDS: num(60, 0),
    /** Seconds POST /api/agent/run and /run_parallel wait for the run; then 504 with the run id (it keeps running). */
    AGENT_RUN_TIMEOUT: num(600, 1),
    /** Origins (comma-separated) whose pages may call the original API from a browser; `*` counts only for client URLs. */
    CORS_ORIGINS: z.string().default(""),
    /** Days a finished run keeps its autocode/run-* branch (its diff, patch and merge); 0 keeps branches forever. */
    RUN_BRANCH_RETENTION_DAYS: int(0, 0),
    /** The web app's base URL as workers reach it; set on a worker, its repositories travel over git from there. */
    APP_URL: optionalUrl,
    /** Shared by the web app and its workers: the only credential of the internal git endpoint. */
    WORKER_SECRET: z.string().min(16, "WORKER_SECRET must be at least 16 characters").optional(),
  })
  .transform((env) => ({
    ...env,
    DATA_DIR: path.resolve(env.DATA_DIR),
    CORS_ORIGINS: env.CORS_ORIGINS.split(",")
      .map((origin) => origin.trim().replace(/\/+$/, ""))
      .filter(Boolean),
    LOCAL_IMPORT_ROOTS: env.LOCAL_IMPORT_ROOTS.split(",")
      .map((root) => root.trim())
      .filter(Boolean)
      .map((root) => path.resolve(root)),
  }));

export type Env = z.infer<typeof ZEnv>;

/** One line per bad setting, naming it, so start-up failures say exactly what to fix. */
export function formatEnvError(error: z.ZodError): string {
  const lines = error.issues.map((issue) => {
    const name = issue.path.join(".") || "(environment)";
    return `  ${name}: ${issue.message}`;
  });
  return `Invalid configuration; fix these settings (environment or .env):\n${lines.join("\n")}`;
}

export class EnvError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "EnvError";
  }
}

export function parseEnv(source: Record<string, string | undefined>): Env {
  const result = ZEnv.safeParse(source);
  if (!result.success) throw new EnvError(formatEnvError(result.error));
  return result.data;
}

let cached: Env | undefined;

/** The validated settings of this process. Tests that change process.env call resetEnvForTests(). */
export function env(): Env {
  cached ??= parseEnv(process.env);
  return cached;
}

export function resetEnvForTests(): void {
  cached = undefined;
}
