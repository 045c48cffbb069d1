/**
 * `npm run worker`: a worker process that takes runs from the pg-boss queue on DATABASE_URL and executes them
 * in the local Docker engine. Start any number, on any machine that reaches Postgres and a Docker engine.
 * It does not migrate: it waits for the schema the web process (or `npm run db:migrate`) applies.
 */
import fs from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { bootstrap } from "@/server/boot/bootstrap";
import { db } from "@/server/db/client";
import { env } from "@/server/env";
import { startImageSweep } from "@/server/environments/prune-environment-images";
import type { RunPortsFactory } from "@/server/runs/execute-run";
import { runBus } from "@/server/runs/run-bus";
import { checkDockerAvailable, DockerSandbox, getSandbox } from "@/server/sandbox";
import { QueueRunner } from "./queue-runner";
import { remoteSettings, sweepRepositoryCache } from "./remote-repository";
import { closeRunQueue, runQueueMode } from "./run-queue";

const SCHEMA_WAIT_MS = 120_000;
const CACHE_SWEEP_MS = 10 * 60_000;

/** Waits until every migration committed with this code is applied, so a worker never runs on an older schema. */
async function waitForSchema(log: (line: string) => void): Promise<void> {
  const dir = path.resolve(import.meta.dirname, "../../prisma/migrations");
  const expected = (await fs.readdir(dir, { withFileTypes: true })).filter((entry) => entry.isDirectory()).map((entry) => entry.name);
  const deadline = Date.now() + SCHEMA_WAIT_MS;
  let said = false;
  for (;;) {
    const applied = await db()
      .$queryRaw<{ name: string }[]>`SELECT migration_name AS name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`
      .then((rows) => new Set(rows.map((row) => row.name)))
      .catch(() => new Set<string>());
    const missing = expected.filter((name) => !applied.has(name));
    if (missing.length === 0) return;
    if (Date.now() > deadline) {
      throw new Error(`The database lacks migration(s) ${missing.join(", ")}. Start the web process once or run \`npm run db:migrate\`, then start the worker.`);
    }
    if (!said) log(`waiting for the database schema (missing ${missing.join(", ")}); the web process or \`npm run db:migrate\` applies it`);
    said = true;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

export interface Worker {
  runner: QueueRunner;
  /** Stops taking jobs, lets held runs finish for graceMs, records the rest as interrupted, closes connections. */
  stop(graceMs?: number): Promise<void>;
}

/** Starts a worker in this process on the already bootstrapped settings; tests pass their own ports. */
export async function startWorker(options: { ports?: RunPortsFactory; pollMs?: number; sweepMs?: number; log?: (line: string) => void } = {}): Promise<Worker> {
  const log = options.log ?? ((line: string) => console.log(`[worker] ${line}`));
  const settings = env();
  await waitForSchema(log);
  if ((await runQueueMode(db())) === "local") {
    throw new Error("This database is the embedded PGlite, which cannot share runs between processes. Set DATABASE_URL to a Postgres server, or let the web process run its in-process worker.");
  }
  await checkDockerAvailable();
  // Start the sandbox (its orphan reap, the periodic reaper and the warm pool) before taking jobs, so the
  // first run does not wait for them.
  const sandbox = getSandbox();
  if (sandbox instanceof DockerSandbox) await sandbox.start();

  const runner = new QueueRunner(db(), {
    concurrency: settings.MAX_CONCURRENT_RUNS,
    perUserLimit: settings.MAX_CONCURRENT_RUNS_PER_USER,
    ports: options.ports,
    pollMs: options.pollMs,
    sweepMs: options.sweepMs,
  });
  await runner.start();
  // A remote worker's repository caches of deleted projects go at start and then every so often.
  const remote = remoteSettings();
  const sweepCache = () => (remote ? sweepRepositoryCache({ db: db(), dataDir: remote.dataDir }).then((gone) => gone.length > 0 && log(`removed the repository cache of deleted project(s) ${gone.join(", ")}`)).catch((error: unknown) => log(`repository cache sweep failed: ${String(error)}`)) : undefined);
  await sweepCache();
  const cacheSweeper = remote ? setInterval(() => void sweepCache(), CACHE_SWEEP_MS) : undefined;
  cacheSweeper?.unref();
  // This worker's Docker engine (another machine's, for a remote worker) keeps its runs' environment images too.
  const stopImageSweep = startImageSweep({ db, retentionHours: settings.ENV_IMAGE_RETENTION_HOURS, log });
  log(`${runner.workerId} takes up to ${settings.MAX_CONCURRENT_RUNS} run(s) at a time, ${settings.MAX_CONCURRENT_RUNS_PER_USER} per user`);
  return {
    runner,
    async stop(graceMs = settings.WORKER_SHUTDOWN_GRACE_SECONDS * 1000) {
      clearInterval(cacheSweeper);
      stopImageSweep();
      const { finished, interrupted } = await runner.stop({ graceMs });
      log(`stopped: ${finished} held run(s) finished, ${interrupted} interrupted`);
      await getSandbox().shutdown();
      await runBus().close();
      await closeRunQueue();
      await db().$disconnect();
    },
  };
}

/**
 * The worker process: settings, then the worker, then signal handling. SIGTERM or SIGINT stop it taking jobs
 * and give held runs WORKER_SHUTDOWN_GRACE_SECONDS to finish; a second signal interrupts them at once.
 */
export async function runWorkerProcess(options: { ports?: RunPortsFactory; pollMs?: number; sweepMs?: number } = {}): Promise<Worker> {
  try {
    process.loadEnvFile(".env");
  } catch {
    // no .env file: settings come from the environment alone
  }
  if (!process.env.DATABASE_URL) {
    throw new Error("DATABASE_URL is not set. Workers share runs through a Postgres server; with the embedded database the web process runs its own worker (WORKER_ENABLED).");
  }
  await bootstrap({ migrate: false, log: (line) => console.log(`[worker] ${line}`) });
  // A stray rejection in a background path (a pool refill whose container vanished) must not take down every
  // run this worker holds, as Node's default would; it is logged loudly instead.
  process.on("unhandledRejection", (reason) => console.error("[worker] unhandled rejection (the worker keeps running):", reason));
  const worker = await startWorker(options);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      console.log(`[worker] ${signal} again: interrupting held runs now`);
      worker.runner.interruptAll();
      return;
    }
    stopping = true;
    console.log(`[worker] ${signal}: taking no more runs; held runs get ${env().WORKER_SHUTDOWN_GRACE_SECONDS} s to finish`);
    worker.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error("[worker] shutdown failed:", error);
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
  return worker;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  runWorkerProcess().catch((error: unknown) => {
    console.error("[worker] failed to start:", error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
