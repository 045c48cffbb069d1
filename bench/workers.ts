/**
 * What a worker on another machine costs per run: a one-step task on a remote-style worker (its own DATA_DIR,
 * the repository fetched from and pushed to the web app over git smart HTTP, warm repository cache) against the
 * same task on a local-path worker (the web machine's repository, as the in-process worker uses it), both
 * worker processes taking runs from the same queue in the same bench run. Each run is timed from run.claimed to
 * run.finished; runs go one at a time, in pairs (one on each worker, back to back, the other worker paused so the
 * intended one claims it, the order alternating), and the figure is the median of the paired differences.
 *
 * Needs a Postgres server: BENCH_DATABASE_URL or TEST_DATABASE_URL (a superuser URL; a database is created and
 * dropped), else postgres://autocode:autocode@127.0.0.1:5432/postgres.
 * Run alone: npx tsx bench/workers.ts [--quick]
 */
import fs from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { median, round } from "@/bench/lib/stats";
import { runStandalone } from "@/bench/lib/standalone";
import { signUp } from "@/server/auth/credentials";
import { createDb, type Db } from "@/server/db/client";
import { migrateDatabase } from "@/server/db/migrate";
import { resetEnvForTests } from "@/server/env";
import { createProject } from "@/server/projects/create-project";
import { createWorkerGitHandler } from "@/server/runner/remote-repository";
import { closeRunQueue } from "@/server/runner/run-queue";
import { runBus } from "@/server/runs/run-bus";
import { startTask } from "@/server/runs/start-run";
import { startFakeLlm } from "@/tests/fake-llm/fake-llm-server";
import { createThrowawayDatabase } from "@/tests/helpers/throwaway-database";
import { spawnEntry, type Child } from "@/tests/workers/child-process";

const SECRET = "bench-worker-secret-0123456789abcdef";

/** Runs one task alone; returns who claimed it and its claimed-to-finished time. */
async function oneRun(db: Db, userId: string, projectId: string, i: number): Promise<{ workerId: string; ms: number }> {
  const { runId } = await startTask({ db, userId, input: { projectId, prompt: `Write add(a, b) in calc.py, run ${i}` } });
  const deadline = Date.now() + 120_000;
  for (;;) {
    const run = await db.run.findUniqueOrThrow({ where: { id: runId }, select: { status: true, statusReason: true } });
    if (run.status !== "QUEUED" && run.status !== "RUNNING") {
      if (run.status !== "SUCCEEDED") throw new Error(`bench run ${runId} ended ${run.status}: ${run.statusReason}`);
      break;
    }
    if (Date.now() > deadline) throw new Error(`bench run ${runId} still ${run.status} after 120 s`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const events = await db.runEvent.findMany({ where: { runId, type: { in: ["run.claimed", "run.finished"] } }, orderBy: { seq: "asc" } });
  const claimed = events.find((e) => e.type === "run.claimed")!;
  const finished = events.find((e) => e.type === "run.finished")!;
  return { workerId: (claimed.payload as { workerId: string }).workerId, ms: finished.createdAt.getTime() - claimed.createdAt.getTime() };
}

export async function benchWorkers({ quick = false }: { quick?: boolean } = {}): Promise<Record<string, number>> {
  const perWorker = quick ? 3 : 8;
  const serverUrl = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? "postgres://autocode:autocode@127.0.0.1:5432/postgres";
  const database = await createThrowawayDatabase(serverUrl, "autocode_bench_workers");
  const webDir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-workers-web-"));
  const remoteDir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-workers-remote-"));
  Object.assign(process.env, { DATABASE_URL: database.url, DATA_DIR: webDir, AUTH_SECRET: process.env.AUTH_SECRET ?? "bench-secret-not-for-production" });
  resetEnvForTests();

  const llm = await startFakeLlm();
  const workers: Child[] = [];
  let db: Db | undefined;
  const handler = createWorkerGitHandler({ db: () => db!, secret: SECRET });
  const server = createServer((req, res) => void handler(req, res));
  try {
    await migrateDatabase(database.url);
    db = createDb(database.url);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const appUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const user = await signUp({ db, input: { email: "bench-workers@example.test", password: "correct-horse-42", name: "bench" } });
    const project = await createProject({ db, userId: user.id, input: { name: "bench-remote" } });
    const env = { DATABASE_URL: database.url, AUTH_SECRET: process.env.AUTH_SECRET!, LLM_MODE: "litellm", LITELLM_URL: llm.url, MAX_CONCURRENT_RUNS: "1", SANDBOX_POOL_SIZE: "1" };
    workers.push(spawnEntry("tests/workers/worker-entry.ts", { ...env, DATA_DIR: webDir }, "local"));
    workers.push(spawnEntry("tests/workers/worker-entry.ts", { ...env, DATA_DIR: remoteDir, APP_URL: appUrl, WORKER_SECRET: SECRET }, "remote"));
    const [local, remote] = await Promise.all(workers.map((w) => w.waitFor((m) => m.ready === true, 120_000, "readiness")));

    // Paired: each pair is one run on each worker back to back (the other worker paused with SIGSTOP, so the
    // intended one claims it), alternating which goes first, so load drifts on this shared machine cancel out.
    const byName = { local: { child: workers[0]!, id: local!.workerId as string }, remote: { child: workers[1]!, id: remote!.workerId as string } };
    const runOn = async (name: "local" | "remote", i: number): Promise<number> => {
      const other = byName[name === "local" ? "remote" : "local"].child;
      other.killGroup("SIGSTOP");
      try {
        const { workerId, ms } = await oneRun(db!, user.id, project.id, i);
        if (workerId !== byName[name].id) throw new Error(`run ${i} meant for the ${name} worker was claimed by ${workerId}`);
        return ms;
      } finally {
        other.killGroup("SIGCONT");
      }
    };
    // Unmeasured: one run each (module loading, the sandbox pool and, for the remote one, a warm cache).
    await runOn("local", -2);
    await runOn("remote", -1);
    const localMs: number[] = [];
    const remoteMs: number[] = [];
    const diffs: number[] = [];
    for (let i = 0; i < perWorker; i++) {
      const order: Array<"local" | "remote"> = i % 2 === 0 ? ["local", "remote"] : ["remote", "local"];
      const ms: Record<string, number> = {};
      for (const name of order) ms[name] = await runOn(name, i);
      localMs.push(ms.local!);
      remoteMs.push(ms.remote!);
      diffs.push(ms.remote! - ms.local!);
    }
    return {
      "workers.remote_run_overhead_ms": round(median(diffs)),
      "workers.remote_run_p50_ms": round(median(remoteMs)),
      "workers.local_run_p50_ms": round(median(localMs)),
      "workers.runs_per_worker": diffs.length,
    };
  } finally {
    for (const worker of workers) if (worker.process.exitCode === null) worker.killGroup("SIGTERM");
    const killer = setTimeout(() => workers.forEach((w) => w.killGroup("SIGKILL")), 30_000);
    await Promise.all(workers.map((w) => w.exited));
    clearTimeout(killer);
    server.close();
    await closeRunQueue();
    await runBus().close();
    await db?.$disconnect();
    await llm.close();
    await database.drop();
    for (const dir of [webDir, remoteDir]) fs.rmSync(dir, { recursive: true, force: true });
  }
}

runStandalone(import.meta.url, benchWorkers);
