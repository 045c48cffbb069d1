import { parseEnv } from "@/server/env";
import { createLlmClient } from "@/server/llm/create-llm-client";
import { resolveModelSettings } from "@/server/llm/resolve-model-settings";
import { createDirWorkspace } from "@/server/orchestrator/adapters/dir-workspace";
import { createSandboxTools } from "@/server/orchestrator/adapters/sandbox-tools";
import { LocalRunner } from "@/server/runner/local-runner";
import type { RunPortsFactory } from "@/server/runs/execute-run";
import { getSandbox } from "@/server/sandbox";
import { startFakeLlm, type FakeLlm } from "@/tests/fake-llm/fake-llm-server";
import { inMemoryMemoryStore } from "@/tests/orchestrator/orchestrator-harness";
import { testDb } from "./db";

export interface TestRunner {
  llm: FakeLlm;
  runner: LocalRunner;
  /** Stops the runner, the fake model and the sandbox's warm pool (its containers go with the suite). */
  stop(): Promise<void>;
}

/**
 * A worker as the app runs it (LocalRunner on the test database, the real Docker sandbox and tool executor),
 * with the fake model server over HTTP and an in-memory memory store instead of Chroma.
 */
export async function startTestRunner(options: { maxRetries?: number; concurrency?: number } = {}): Promise<TestRunner> {
  const llm = await startFakeLlm();
  const settings = { ...resolveModelSettings(parseEnv({ LLM_MODE: "litellm", LITELLM_URL: llm.url })), maxRetries: options.maxRetries ?? 1, timeoutMs: 10_000 };
  const ports: RunPortsFactory = ({ worktreePath }) => ({
    llm: createLlmClient({ settings, retryBaseMs: 20 }),
    sandbox: getSandbox(),
    workspace: createDirWorkspace(worktreePath),
    memory: inMemoryMemoryStore(),
    tools: createSandboxTools(),
  });
  // Test files share one database and run one after another: runs an earlier file left queued (tasks created
  // with no runner) would be claimed by this runner and eat this file's scripted model answers.
  await testDb().run.updateMany({ where: { status: "QUEUED" }, data: { status: "CANCELLED", statusReason: "left queued by an earlier test file", finishedAt: new Date() } });
  const runner = new LocalRunner(testDb(), { concurrency: options.concurrency ?? 2, ports, pollMs: 500 });
  await runner.start();
  return {
    llm,
    runner,
    async stop() {
      await runner.stop();
      await llm.close();
      await getSandbox().shutdown();
    },
  };
}

/** Polls the run's row until it leaves QUEUED/RUNNING; the test fails with the status it was stuck in. */
export async function waitForRunEnd(runId: string, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = await testDb().run.findUniqueOrThrow({ where: { id: runId } });
    if (!["QUEUED", "RUNNING"].includes(run.status)) return run;
    if (Date.now() > deadline) throw new Error(`run ${runId} still ${run.status} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
