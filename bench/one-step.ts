/**
 * A one-step run end to end, and how fast a worker takes the next queued run. A worker process (the real
 * `npm run worker` path: pg-boss, the Docker sandbox, one run at a time) executes one-step tasks against a fake
 * model that answers at once.
 *   run.one_step_ms: run.queued to run.finished (stored times) of one run alone on an idle worker (the previous
 *     runs' containers removed, the warm pool full again), median;
 *   queue.pickup_ms: two runs queued together on a one-slot worker: the first's run.finished to the second's
 *     run.claimed, i.e. how long the slot sits between one run's end and the next start, median;
 *   run.one_step_load1: the machine's median 1-minute load average while measuring.
 *
 * Needs a Postgres server (BENCH_DATABASE_URL or TEST_DATABASE_URL, superuser) and Docker.
 * Run alone: npx tsx bench/one-step.ts [--quick]
 */
import { loadSampler, startWorkerRig } from "@/bench/lib/worker-rig";
import { runStandalone } from "@/bench/lib/standalone";
import { median, round, sleep } from "@/bench/lib/stats";
import { signUp } from "@/server/auth/credentials";
import type { Db } from "@/server/db/client";
import { createProject } from "@/server/projects/create-project";
import { env } from "@/server/env";
import { getDocker, LABEL_MANAGED, LABEL_ROLE } from "@/server/sandbox/docker-client";
import { listRunContainers } from "@/server/sandbox/reap-orphans";
import { startTask } from "@/server/runs/start-run";

async function waitFinished(db: Db, runIds: string[]): Promise<void> {
  const deadline = Date.now() + 120_000;
  while ((await db.run.count({ where: { id: { in: runIds }, status: { in: ["QUEUED", "RUNNING"] } } })) > 0) {
    if (Date.now() > deadline) throw new Error(`runs ${runIds.join(", ")} did not end within 120 s`);
    await sleep(20);
  }
  const bad = await db.run.findFirst({ where: { id: { in: runIds }, status: { not: "SUCCEEDED" } }, select: { status: true, statusReason: true } });
  if (bad) throw new Error(`a bench run did not succeed: ${bad.status} ${bad.statusReason}`);
}

/**
 * "Alone on an idle worker": after a run's end the worker removes its containers and worktree and refills its
 * warm pool (after-run work); the next measured run is queued once the previous runs' containers are gone, the
 * pool is full again and its containers' runners have started.
 */
async function waitIdle(runIds: string[]): Promise<void> {
  const deadline = Date.now() + 30_000;
  const waitFor = async (what: string, done: () => Promise<boolean>) => {
    while (!(await done())) {
      if (Date.now() > deadline) throw new Error(`the worker was not idle within 30 s: ${what}`);
      await sleep(20);
    }
  };
  for (const runId of runIds) await waitFor(`the containers of run ${runId} are still there`, async () => (await listRunContainers(runId)).length === 0);
  const poolSize = env().SANDBOX_POOL_SIZE;
  await waitFor(`the warm pool has not refilled`, async () => {
    const pool = await getDocker().listContainers({ filters: { label: [`${LABEL_MANAGED}=true`, `${LABEL_ROLE}=pool`], status: ["running"] } });
    return pool.length >= poolSize;
  });
  await sleep(500);
}

async function timeOf(db: Db, runId: string, type: string): Promise<number> {
  const event = await db.runEvent.findFirstOrThrow({ where: { runId, type }, orderBy: { seq: "asc" }, select: { createdAt: true } });
  return event.createdAt.getTime();
}

/** Where a run's time went: each stored event with the milliseconds since the one before it (printed, not a figure). */
async function timeline(db: Db, runId: string): Promise<string> {
  const events = await db.runEvent.findMany({ where: { runId }, orderBy: { seq: "asc" }, select: { type: true, createdAt: true, payload: true } });
  const t0 = events[0]?.createdAt.getTime() ?? 0;
  let last = t0;
  return events
    .map((event) => {
      const at = event.createdAt.getTime();
      const payload = event.payload as { role?: string; command?: string; durationMs?: number } | null;
      const detail = [payload?.role ?? payload?.command?.slice(0, 40), payload?.durationMs === undefined ? "" : `(${payload.durationMs} ms inside)`].filter(Boolean).join(" ");
      const line = `${String(at - t0).padStart(6)} ms  +${String(at - last).padStart(4)}  ${event.type} ${detail}`.trimEnd();
      last = at;
      return line;
    })
    .join("\n");
}

export async function benchOneStep({ quick = false }: { quick?: boolean } = {}): Promise<Record<string, number>> {
  const reps = quick ? 3 : 8;
  const rig = await startWorkerRig({ name: "one-step" });
  const db = rig.database;
  const loads = loadSampler();
  try {
    const user = await signUp({ db, input: { email: "bench-one-step@example.test", password: "correct-horse-42", name: "bench" } });
    const project = await createProject({ db, userId: user.id, input: { name: "bench-one-step" } });
    const start = (label: string) => startTask({ db, userId: user.id, input: { projectId: project.id, prompt: `Write add(a, b) in calc.py, ${label}` } });

    const warm = await start("warm-up");
    await waitFinished(db, [warm.runId]);
    let previous = [warm.runId];
    const oneStep: number[] = [];
    const pickup: number[] = [];
    const timelines: { ms: number; text: string }[] = [];
    for (let rep = 0; rep < reps; rep++) {
      await waitIdle(previous);
      const { runId } = await start(`alone ${rep}`);
      await waitFinished(db, [runId]);
      const ms = (await timeOf(db, runId, "run.finished")) - (await timeOf(db, runId, "run.queued"));
      oneStep.push(ms);
      timelines.push({ ms, text: await timeline(db, runId) });
      const first = await start(`first ${rep}`);
      const second = await start(`second ${rep}`);
      await waitFinished(db, [first.runId, second.runId]);
      previous = [first.runId, second.runId];
      // Which ran first is the queue's choice; the gap is from the earlier end to the later claim.
      const ends = await Promise.all([first.runId, second.runId].map(async (id) => ({ finished: await timeOf(db, id, "run.finished"), claimed: await timeOf(db, id, "run.claimed") })));
      const [a, b] = ends.sort((x, y) => x.claimed - y.claimed);
      pickup.push(b!.claimed - a!.finished);
      loads.sample();
    }
    const typical = timelines.sort((a, b) => a.ms - b.ms)[Math.floor(timelines.length / 2)]!;
    console.log(`one-step: the median run's events (${typical.ms} ms)\n${typical.text}`);
    return {
      "run.one_step_ms": round(median(oneStep)),
      "queue.pickup_ms": round(median(pickup)),
      "run.one_step_runs": reps,
      "run.one_step_load1": loads.median(),
    };
  } finally {
    await rig.close();
  }
}

runStandalone(import.meta.url, benchOneStep);
