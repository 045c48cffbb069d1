/**
 * The fair claim across users (issue #17): one user queues 100 runs, then a second user queues 1, on two worker
 * slots with a per-user limit of two (the limit equal to the slots). The workers' own claim path runs against a
 * real Postgres (pickFairRun, then claimRun under the row lock; run.finished through the record), and a run's
 * execution is a fixed wait standing in for the sandbox, so the figures are about the queue, not Docker.
 * The same queue is drained a second time first come, first served (the oldest queued run, the same claimRun).
 *   queue.fair_wait_ms: the second user's run, queued to claimed, with the fair claim;
 *   queue.fcfs_wait_ms: the same, first come, first served (the baseline: it waits behind the 100);
 *   queue.fair_wait_runs: queue.fair_wait_ms in runs' durations, a run's duration being the time it holds its slot in the
 *     fair drain (drain time x slots / runs: the fixed wait plus the claim and run.finished writes), goal within one;
 *   queue.fair_claims_ahead: runs claimed after the second user's run was queued and before it (goal 0: it takes the
 *     first slot that frees);
 *   queue.fair_throughput_ratio: first-come-first-served drain time over the fair drain time (goal >= 0.95).
 * Needs a Postgres server (BENCH_DATABASE_URL or TEST_DATABASE_URL, superuser).
 * Run alone: npx tsx bench/fair-queue.ts [--quick]
 */
import { runStandalone } from "@/bench/lib/standalone";
import { round, sleep } from "@/bench/lib/stats";
import { createDb, type Db } from "@/server/db/client";
import { migrateDatabase } from "@/server/db/migrate";
import { resetEnvForTests } from "@/server/env";
import { pickFairRun } from "@/server/runner/pick-fair-run";
import { claimRun } from "@/server/runs/execute-run";
import { appendRunEvent } from "@/server/runs/run-events";
import { createThrowawayDatabase } from "@/tests/helpers/throwaway-database";

const SLOTS = 2;
const FIRST_USER_RUNS = 100;

type Pick = (db: Db) => Promise<string | null>;
const fairPick: Pick = (db) => pickFairRun({ db, perUserLimit: SLOTS });
const fcfsPick: Pick = async (db) =>
  (await db.run.findFirst({ where: { status: "QUEUED", cancelRequestedAt: null }, orderBy: [{ queuedAt: "asc" }, { id: "asc" }], select: { id: true } }))?.id ?? null;

async function queueRun(db: Db, userId: string, projectId: string, prompt: string): Promise<string> {
  const task = await db.task.create({ data: { projectId, authorId: userId, prompt } });
  const run = await db.run.create({ data: { taskId: task.id, projectId } });
  await appendRunEvent(db, { runId: run.id, type: "run.queued", payload: { taskId: task.id, prompt, contextFiles: [] } });
  return run.id;
}

/** Queues the 100 + 1 runs, drains them on SLOTS workers claiming with pick; the second user's wait and the drain time. */
async function drain(db: Db, users: { a: string; b: string; projectA: string; projectB: string }, pick: Pick, runMs: number, label: string, firstUserRuns = FIRST_USER_RUNS) {
  for (let n = 0; n < firstUserRuns; n++) await queueRun(db, users.a, users.projectA, `${label} first ${n}`);
  let second = "";
  let secondClaimedAt: number | undefined;
  let done = 0;
  let claims = 0;
  let claimsWhenSecondQueued = 0;
  let claimsAhead = 0;
  const worker = async (slot: number) => {
    while (done < firstUserRuns + 1) {
      const runId = await pick(db);
      if (!runId) {
        await sleep(2);
        continue;
      }
      if ((await claimRun({ db, runId, workerId: `bench-${slot}`, perUserLimit: SLOTS })) !== "claimed") continue;
      if (runId === second) {
        secondClaimedAt = performance.now();
        claimsAhead = claims - claimsWhenSecondQueued;
      }
      claims++;
      await sleep(runMs); // the run itself
      await appendRunEvent(db, { runId, type: "run.finished", payload: { status: "succeeded", reason: null } });
      done++;
    }
  };
  const started = performance.now();
  const workers = Promise.all(Array.from({ length: SLOTS }, (_, slot) => worker(slot)));
  // The second user comes while the first user's runs fill every slot.
  while ((await db.run.count({ where: { status: "RUNNING" } })) < SLOTS) await sleep(2);
  second = await queueRun(db, users.b, users.projectB, `${label} second`);
  const secondQueuedAt = performance.now();
  claimsWhenSecondQueued = claims;
  await workers;
  const drainMs = performance.now() - started;
  return { wait: secondClaimedAt! - secondQueuedAt, claimsAhead, drainMs, slotMs: (drainMs * SLOTS) / (firstUserRuns + 1) };
}

export async function benchFairQueue({ quick = false }: { quick?: boolean } = {}): Promise<Record<string, number>> {
  const runMs = quick ? 100 : 250;
  const serverUrl = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? "postgres://autocode:autocode@127.0.0.1:5432/postgres";
  const throwaway = await createThrowawayDatabase(serverUrl, "autocode_bench_fair");
  const previous = { ...process.env };
  Object.assign(process.env, { DATABASE_URL: throwaway.url, AUTH_SECRET: process.env.AUTH_SECRET ?? "bench-secret-not-for-production" });
  resetEnvForTests();
  const db = createDb(throwaway.url);
  try {
    await migrateDatabase(throwaway.url);
    const a = (await db.user.create({ data: { email: "bench-fair-busy@example.test", name: "busy" } })).id;
    const b = (await db.user.create({ data: { email: "bench-fair-patient@example.test", name: "patient" } })).id;
    const projectA = (await db.project.create({ data: { ownerId: a, name: "busy", repoPath: "/nonexistent/busy" } })).id;
    const projectB = (await db.project.create({ data: { ownerId: b, name: "patient", repoPath: "/nonexistent/patient" } })).id;
    const users = { a, b, projectA, projectB };
    // A warm-up of each (connections, plans), so neither measured drain pays the cold start.
    await drain(db, users, fcfsPick, runMs, "warm-up fcfs", 4);
    await drain(db, users, fairPick, runMs, "warm-up fair", 4);
    const fcfs = await drain(db, users, fcfsPick, runMs, "fcfs");
    const fair = await drain(db, users, fairPick, runMs, "fair");
    return {
      "queue.fair_wait_ms": round(fair.wait),
      "queue.fcfs_wait_ms": round(fcfs.wait),
      "queue.fair_wait_runs": round(fair.wait / fair.slotMs, 2),
      "queue.fair_claims_ahead": fair.claimsAhead,
      "queue.fair_slot_ms": round(fair.slotMs),
      "queue.fair_throughput_ratio": round(fcfs.drainMs / fair.drainMs, 3),
      "queue.fair_run_ms": runMs,
    };
  } finally {
    await db.$disconnect();
    await throwaway.drop();
    process.env = previous;
    resetEnvForTests();
  }
}

runStandalone(import.meta.url, benchFairQueue);
