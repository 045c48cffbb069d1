/**
 * A worker process for tests/workers and bench/runs.ts: the real `npm run worker` path (runWorkerProcess, its
 * signal handling, pg-boss, leases) with the model reached through LLM_MODE=litellm + LITELLM_URL (the fake
 * server) and no Chroma memory. Prints one JSON line {"ready", "workerId", "pid"} when it takes jobs.
 */
import { createLlmClient } from "@/server/llm/create-llm-client";
import { createDirWorkspace } from "@/server/orchestrator/adapters/dir-workspace";
import { createSandboxTools } from "@/server/orchestrator/adapters/sandbox-tools";
import { runWorkerProcess } from "@/server/runner/worker-main";
import type { RunPortsFactory } from "@/server/runs/execute-run";
import { getSandbox } from "@/server/sandbox";

const ports: RunPortsFactory = ({ worktreePath, settings }) => ({
  llm: createLlmClient({ settings: { ...settings, maxRetries: 2, timeoutMs: 30_000 }, retryBaseMs: 20 }),
  sandbox: getSandbox(),
  workspace: createDirWorkspace(worktreePath),
  tools: createSandboxTools(),
});

const worker = await runWorkerProcess({ ports, pollMs: 250, sweepMs: 500 });
console.log(JSON.stringify({ ready: true, workerId: worker.runner.workerId, pid: process.pid }));
