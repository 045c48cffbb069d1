/**
 * Run throughput through the queue: 20 runs started at once, taken by two worker processes (the real
 * `npm run worker` path, MAX_CONCURRENT_RUNS each) from pg-boss on a throwaway Postgres database, executed
 * in the real Docker sandbox against a fake model server with zero latency. Baseline, in the same run: the
 * same 20 runs on one worker (the second is stopped with SIGTERM first). Also the pickup latency on idle
 * workers, run.queued to run.claimed.
 *
 * Needs a Postgres server: BENCH_DATABASE_URL or TEST_DATABASE_URL (a superuser URL; a database is created
 * and dropped), else postgres://autocode:autocode@127.0.0.1:5432/postgres.
 * Run alone: npx tsx bench/runs.ts [--quick]
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { median, round } from "@/bench/lib/stats";
import { runStandalone } from "@/bench/lib/standalone";
import { signUp } from "@/server/auth/credentials";
import { createDb, type Db } from "@/server/db/client";
import { migrateDatabase } from "@/server/db/migrate";
import { resetEnvForTests } from "@/server/env";
import { createProject } from "@/server/projects/create-project";
import { runBus } from "@/server/runs/run-bus";
import { closeRunQueue } from "@/server/runner/run-queue";
import { startTask } from "@/server/runs/start-run";
import { startFakeLlm } from "@/tests/fake-llm/fake-llm-server";
import { spawnEntry, type Child } from "@/tests/workers/child-process";
import { createThrowawayDatabase } from "@/tests/helpers/throwaway-database";

const RUNS = 20;
const PER_WORKER = 2;

async function waitAllFinished(db: Db, runIds: string[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await db.run.count({ where: { id: { in: runIds }, status: { in: ["QUEUED", "RUNNING"] } } });
    if (open === 0) return;
    if (Date.now() > deadline) throw new Error(`${open} of ${runIds.length} runs still open after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Starts RUNS tasks at once and times them to the last run.finished; every run must have succeeded. */
async function batch(db: Db, userId: string, projectId: string): Promise<{ perMin: number }> {
  const started = performance.now();
  const created = await Promise.all(Array.from({ length: RUNS }, (_, i) => startTask({ db, userId, input: { projectId, prompt: `Write add(a, b) in calc.py, take ${i}` } })));
  const runIds = created.map((c) => c.runId);
  await waitAllFinished(db, runIds, 10 * 60_000);
  const elapsedMs = performance.now() - started;
  const runs = await db.run.findMany({ where: { id: { in: runIds } }, select: { status: true, statusReason: true } });
  const bad = runs.filter((r) => r.status !== "SUCCEEDED");
  if (bad.length) throw new Error(`${bad.length} bench run(s) did not succeed: ${bad[0]!.status} ${bad[0]!.statusReason}`);
  return { perMin: RUNS / (elapsedMs / 60_000) };
}

export async function benchRuns({ quick = false }: { quick?: boolean } = {}): Promise<Record<string, number>> {
  const reps = quick ? 1 : 3;
  const serverUrl = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? "postgres://autocode:autocode@127.0.0.1:5432/postgres";
  const database = await createThrowawayDatabase(serverUrl, "autocode_bench_runs");
  const databaseUrl = database.url;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-runs-"));
  Object.assign(process.env, { DATABASE_URL: databaseUrl, DATA_DIR: dataDir, AUTH_SECRET: process.env.AUTH_SECRET ?? "bench-secret-not-for-production" });
  resetEnvForTests();

  const llm = await startFakeLlm();
  const workers: Child[] = [];
  let db: Db | undefined;
  try {
    await migrateDatabase(databaseUrl);
    db = createDb(databaseUrl);
    const user = await signUp({ db, input: { email: "bench-runs@example.test", password: "correct-horse-42", name: "bench" } });
    const project = await createProject({ db, userId: user.id, input: { name: "bench-calc" } });
    const env = {
      DATABASE_URL: databaseUrl,
      DATA_DIR: dataDir,
      AUTH_SECRET: process.env.AUTH_SECRET!,
      LLM_MODE: "litellm",
      LITELLM_URL: llm.url,
      MAX_CONCURRENT_RUNS: String(PER_WORKER),
      MAX_CONCURRENT_RUNS_PER_USER: String(RUNS),
      WORKER_SHUTDOWN_GRACE_SECONDS: "30",
    };
    for (const label of ["worker1", "worker2"]) workers.push(spawnEntry("tests/workers/worker-entry.ts", env, label));
    const ready = await Promise.all(workers.map((w) => w.waitFor((m) => m.ready === true, 120_000, "readiness")));

    // One unmeasured batch warms both workers (module loading, the sandbox image's page cache, connections).
    await batch(db, user.id, project.id);
    const two: number[] = [];
    for (let rep = 0; rep < reps; rep++) two.push((await batch(db, user.id, project.id)).perMin);
    // Pickup on idle workers: one run at a time, run.queued to run.claimed (NOTIFY wake-up, fetch, claim).
    const pickup: number[] = [];
    for (let i = 0; i < (quick ? 3 : 10); i++) {
      const { runId } = await startTask({ db, userId: user.id, input: { projectId: project.id, prompt: `Write add(a, b) in calc.py, alone ${i}` } });
      await waitAllFinished(db, [runId], 60_000);
      const events = await db.runEvent.findMany({ where: { runId, type: { in: ["run.queued", "run.claimed"] } }, orderBy: { seq: "asc" } });
      pickup.push(events[1]!.createdAt.getTime() - events[0]!.createdAt.getTime());
    }
    process.kill(ready[1]!.pid as number, "SIGTERM");
    await workers[1]!.exited;
    const one: number[] = [];
    for (let rep = 0; rep < reps; rep++) one.push((await batch(db, user.id, project.id)).perMin);

    return {
      "runs.per_min": round(median(two)),
      "runs.baseline_one_worker_per_min": round(median(one)),
      "runs.scaling_two_over_one": round(median(two) / median(one), 2),
      "runs.pickup_idle_p50_ms": round(median(pickup)),
      "runs.concurrent": RUNS,
      "runs.per_worker_concurrency": PER_WORKER,
      "runs.repetitions": reps,
    };
  } finally {
    // SIGTERM lets each worker remove its sandbox containers; SIGKILL only if one does not stop in time.
    for (const worker of workers) if (worker.process.exitCode === null) worker.killGroup("SIGTERM");
    const killer = setTimeout(() => workers.forEach((w) => w.killGroup("SIGKILL")), 30_000);
    await Promise.all(workers.map((w) => w.exited));
    clearTimeout(killer);
    await closeRunQueue();
    await runBus().close();
    await db?.$disconnect();
    await llm.close();
    await database.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

runStandalone(import.meta.url, benchRuns);
