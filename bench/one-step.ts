/**
 * A one-step run end to end, and how fast a worker takes the next queued run. A worker process (the real
 * `npm run worker` path: pg-boss, the Docker sandbox, one run at a time) executes one-step tasks against a fake
 * model that answers at once.
 *   run.one_step_ms: run.queued to run.finished (stored times) of one run alone on an idle worker, median;
 *   queue.pickup_ms: two runs queued together on a one-slot worker: the first's run.finished to the second's
 *     run.claimed, i.e. how long the slot sits between one run's end and the next start, median;
 *   run.one_step_load1: the machine's median 1-minute load average while measuring.
 *
 * Needs a Postgres server (BENCH_DATABASE_URL or TEST_DATABASE_URL, superuser) and Docker.
 * Run alone: npx tsx bench/one-step.ts [--quick]
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { runStandalone } from "@/bench/lib/standalone";
import { median, round, sleep } from "@/bench/lib/stats";
import { signUp } from "@/server/auth/credentials";
import { createDb, type Db } from "@/server/db/client";
import { migrateDatabase } from "@/server/db/migrate";
import { resetEnvForTests } from "@/server/env";
import { createProject } from "@/server/projects/create-project";
import { runBus } from "@/server/runs/run-bus";
import { startTask } from "@/server/runs/start-run";
import { closeRunQueue } from "@/server/runner/run-queue";
import { startFakeLlm } from "@/tests/fake-llm/fake-llm-server";
import { createThrowawayDatabase } from "@/tests/helpers/throwaway-database";
import { spawnEntry, type Child } from "@/tests/workers/child-process";

async function waitFinished(db: Db, runIds: string[]): Promise<void> {
  const deadline = Date.now() + 120_000;
  while ((await db.run.count({ where: { id: { in: runIds }, status: { in: ["QUEUED", "RUNNING"] } } })) > 0) {
    if (Date.now() > deadline) throw new Error(`runs ${runIds.join(", ")} did not end within 120 s`);
    await sleep(20);
  }
  const bad = await db.run.findFirst({ where: { id: { in: runIds }, status: { not: "SUCCEEDED" } }, select: { status: true, statusReason: true } });
  if (bad) throw new Error(`a bench run did not succeed: ${bad.status} ${bad.statusReason}`);
}

async function timeOf(db: Db, runId: string, type: string): Promise<number> {
  const event = await db.runEvent.findFirstOrThrow({ where: { runId, type }, orderBy: { seq: "asc" }, select: { createdAt: true } });
  return event.createdAt.getTime();
}

export async function benchOneStep({ quick = false }: { quick?: boolean } = {}): Promise<Record<string, number>> {
  const reps = quick ? 3 : 8;
  const serverUrl = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? "postgres://autocode:autocode@127.0.0.1:5432/postgres";
  const throwaway = await createThrowawayDatabase(serverUrl, "autocode_bench_one_step");
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-one-step-"));
  const previous = { ...process.env };
  Object.assign(process.env, { DATABASE_URL: throwaway.url, DATA_DIR: dataDir, AUTH_SECRET: process.env.AUTH_SECRET ?? "bench-secret-not-for-production" });
  resetEnvForTests();
  const llm = await startFakeLlm();
  let worker: Child | undefined;
  let db: Db | undefined;
  try {
    await migrateDatabase(throwaway.url);
    db = createDb(throwaway.url);
    const user = await signUp({ db, input: { email: "bench-one-step@example.test", password: "correct-horse-42", name: "bench" } });
    const project = await createProject({ db, userId: user.id, input: { name: "bench-one-step" } });
    worker = spawnEntry(
      "tests/workers/worker-entry.ts",
      { DATABASE_URL: throwaway.url, DATA_DIR: dataDir, AUTH_SECRET: process.env.AUTH_SECRET!, LLM_MODE: "litellm", LITELLM_URL: llm.url, MAX_CONCURRENT_RUNS: "1" },
      "worker",
    );
    await worker.waitFor((m) => m.ready === true, 120_000, "readiness");
    const start = (label: string) => startTask({ db: db!, userId: user.id, input: { projectId: project.id, prompt: `Write add(a, b) in calc.py, ${label}` } });

    const warm = await start("warm-up");
    await waitFinished(db, [warm.runId]);
    const oneStep: number[] = [];
    const pickup: number[] = [];
    const loads: number[] = [];
    for (let rep = 0; rep < reps; rep++) {
      const { runId } = await start(`alone ${rep}`);
      await waitFinished(db, [runId]);
      oneStep.push((await timeOf(db, runId, "run.finished")) - (await timeOf(db, runId, "run.queued")));
      const first = await start(`first ${rep}`);
      const second = await start(`second ${rep}`);
      await waitFinished(db, [first.runId, second.runId]);
      // Which ran first is the queue's choice; the gap is from the earlier end to the later claim.
      const ends = await Promise.all([first.runId, second.runId].map(async (id) => ({ finished: await timeOf(db!, id, "run.finished"), claimed: await timeOf(db!, id, "run.claimed") })));
      const [a, b] = ends.sort((x, y) => x.claimed - y.claimed);
      pickup.push(b!.claimed - a!.finished);
      loads.push(os.loadavg()[0]!);
    }
    return {
      "run.one_step_ms": round(median(oneStep)),
      "queue.pickup_ms": round(median(pickup)),
      "run.one_step_runs": reps,
      "run.one_step_load1": round(median(loads), 1),
    };
  } finally {
    if (worker && worker.process.exitCode === null) worker.killGroup("SIGTERM");
    const killer = setTimeout(() => worker?.killGroup("SIGKILL"), 30_000);
    await worker?.exited;
    clearTimeout(killer);
    await closeRunQueue();
    await runBus().close();
    await db?.$disconnect();
    await llm.close();
    await throwaway.drop();
    process.env = previous;
    resetEnvForTests();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

runStandalone(import.meta.url, benchOneStep);
