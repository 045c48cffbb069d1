import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { median, round } from "@/bench/lib/stats";
import { db, type Db } from "@/server/db/client";
import { migrateDatabase } from "@/server/db/migrate";
import { resetEnvForTests } from "@/server/env";
import { runBus } from "@/server/runs/run-bus";
import { closeRunQueue } from "@/server/runner/run-queue";
import { startFakeLlm, type FakeLlm, type FakeLlmOptions } from "@/tests/fake-llm/fake-llm-server";
import { createThrowawayDatabase } from "@/tests/helpers/throwaway-database";
import { spawnEntry, type Child } from "@/tests/workers/child-process";

/** The machine's 1-minute load average, sampled while measuring: other work on the machine moves every figure. */
export function loadSampler(): { sample(): void; median(): number } {
  const loads: number[] = [];
  return {
    sample: () => void loads.push(os.loadavg()[0]!),
    median: () => round(median(loads), 1),
  };
}

/**
 * What the benches of real runs share: a throwaway database (migrated), a data directory, a fake model and one
 * worker process (the real `npm run worker` path, one slot) taking jobs; this process's env and global
 * database point at them until close().
 */
export interface WorkerRig {
  database: Db;
  llm: FakeLlm;
  worker: Child;
  close(): Promise<void>;
}

export async function startWorkerRig({ name, llm: llmOptions }: { name: string; llm?: FakeLlmOptions }): Promise<WorkerRig> {
  const serverUrl = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? "postgres://autocode:autocode@127.0.0.1:5432/postgres";
  const throwaway = await createThrowawayDatabase(serverUrl, `autocode_bench_${name.replaceAll("-", "_")}`);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `bench-${name}-`));
  const previous = { ...process.env };
  Object.assign(process.env, { DATABASE_URL: throwaway.url, DATA_DIR: dataDir, AUTH_SECRET: process.env.AUTH_SECRET ?? "bench-secret-not-for-production" });
  resetEnvForTests();
  const llm = await startFakeLlm(llmOptions);
  let worker: Child | undefined;
  const close = async () => {
    if (worker && worker.process.exitCode === null) worker.killGroup("SIGTERM");
    const killer = setTimeout(() => worker?.killGroup("SIGKILL"), 30_000);
    await worker?.exited;
    clearTimeout(killer);
    await closeRunQueue();
    await runBus().close();
    await db().$disconnect();
    (globalThis as unknown as { autocodeDb?: Db }).autocodeDb = undefined;
    await llm.close();
    await throwaway.drop();
    process.env = previous;
    resetEnvForTests();
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    await migrateDatabase(throwaway.url);
    worker = spawnEntry(
      "tests/workers/worker-entry.ts",
      { DATABASE_URL: throwaway.url, DATA_DIR: dataDir, AUTH_SECRET: process.env.AUTH_SECRET!, LLM_MODE: "litellm", LITELLM_URL: llm.url, MAX_CONCURRENT_RUNS: "1" },
      "worker",
    );
    await worker.waitFor((m) => m.ready === true, 120_000, "readiness");
    return { database: db(), llm, worker, close };
  } catch (error) {
    await close();
    throw error;
  }
}
