import { getDocker, LABEL_RUN } from "@/server/sandbox/docker-client";
import { testDb } from "../helpers/db";

/** Polls of the record and of Docker shared by the worker tests. */
export async function waitForRun(runId: string, done: (run: { status: string }) => boolean, timeoutMs: number, what: string) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = await testDb().run.findUniqueOrThrow({ where: { id: runId } });
    if (done(run)) return run;
    if (Date.now() > deadline) throw new Error(`run ${runId}: not ${what} after ${timeoutMs} ms (status ${run.status})`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export async function waitForEvent(runId: string, type: string, stepId: string | undefined, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const events = await testDb().runEvent.findMany({ where: { runId, type } });
    if (events.some((e) => stepId === undefined || (e.payload as { stepId?: string }).stepId === stepId)) return;
    if (Date.now() > deadline) throw new Error(`run ${runId}: no ${type} ${stepId ?? ""} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export async function runContainers(runId: string) {
  return getDocker().listContainers({ all: true, filters: { label: [`${LABEL_RUN}=${runId}`] } });
}

export async function expectNoContainers(runId: string, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while ((await runContainers(runId)).length > 0) {
    if (Date.now() > deadline) throw new Error(`containers of run ${runId} still exist after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The settings every worker child of the tests shares: the test database, the fake model, a short lease. */
export function workerTestEnv(options: { databaseUrl: string; llmUrl: string; leaseSeconds: number }): Record<string, string> {
  return {
    DATABASE_URL: options.databaseUrl,
    AUTH_SECRET: process.env.AUTH_SECRET!,
    NODE_ENV: "test",
    LLM_MODE: "litellm",
    LITELLM_URL: options.llmUrl,
    RUN_LEASE_SECONDS: String(options.leaseSeconds),
    SANDBOX_POOL_SIZE: "1",
  };
}
