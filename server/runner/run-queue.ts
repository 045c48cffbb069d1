import PgBoss from "pg-boss";
import { databaseUrl, type Db } from "@/server/db/client";
import { poolConfigFromUrl } from "@/server/db/pg-config";

/** The pg-boss queue whose jobs hand runs to workers. The run.queued event stays the record of queueing. */
export const RUN_QUEUE = "autocode-runs";

export interface RunJob {
  runId: string;
}

/**
 * "pg-boss" on a Postgres server; "local" on the embedded PGlite, whose socket server runs one transaction at
 * a time for all connections and does not deliver NOTIFY across connections (see docs/workers.md).
 */
export type QueueMode = "pg-boss" | "local";

// A job only carries a run to a worker, which completes it right after its claim decision, so expiry only
// matters when a worker dies between fetch and claim: then pg-boss offers the job again.
const JOB_OPTIONS: PgBoss.SendOptions = { retryLimit: 5, retryDelay: 1, expireInSeconds: 120, retentionHours: 24 };

export async function isEmbeddedDatabase(db: Db): Promise<boolean> {
  const rows = await db.$queryRaw<{ version: string }[]>`SELECT version() AS version`;
  return /PGlite/i.test(rows[0]?.version ?? "");
}

interface QueueState {
  mode?: Promise<QueueMode>;
  sender?: Promise<PgBoss>;
}
const globalForQueue = globalThis as unknown as { autocodeRunQueue?: QueueState };
const state = (): QueueState => (globalForQueue.autocodeRunQueue ??= {});

/** How this process hands runs to workers, decided once from the database it talks to. */
export function runQueueMode(db: Db): Promise<QueueMode> {
  const current = state();
  current.mode ??= isEmbeddedDatabase(db).then((embedded) => (embedded ? "local" : "pg-boss"));
  current.mode.catch(() => (current.mode = undefined));
  return current.mode;
}

/** A pg-boss instance on the app's database; workers supervise (expiry, archiving), senders need not. */
export function createBoss(options: { url?: string; supervise?: boolean } = {}): PgBoss {
  const { host, port, user, password, database, ssl } = poolConfigFromUrl(options.url ?? databaseUrl());
  const boss = new PgBoss({
    host,
    port,
    user,
    password: typeof password === "string" ? password : undefined,
    database,
    ssl,
    max: 3,
    application_name: "autocode-run-queue",
    supervise: options.supervise ?? true,
    schedule: false,
  });
  boss.on("error", (error) => console.error("[run-queue] pg-boss:", error.message));
  return boss;
}

/** Starts boss (creating or migrating its schema under pg-boss's own advisory lock) and the run queue. */
export async function startBoss(boss: PgBoss): Promise<PgBoss> {
  await boss.start();
  for (let attempt = 1; ; attempt++) {
    if (await boss.getQueue(RUN_QUEUE)) return boss;
    try {
      await boss.createQueue(RUN_QUEUE, { name: RUN_QUEUE, policy: "standard", ...JOB_OPTIONS });
      return boss;
    } catch (error) {
      // Processes creating the queue at once can deadlock inside pg-boss's create_queue (40P01, seen with two
      // workers starting together); one of them wins, so look again after a short random pause.
      if (attempt >= 5) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt + Math.random() * 100));
    }
  }
}

/** The process's sending instance (web processes, scripts); started on first use. */
function sender(): Promise<PgBoss> {
  const current = state();
  current.sender ??= startBoss(createBoss({ supervise: false }));
  current.sender.catch(() => (current.sender = undefined));
  return current.sender;
}

/** Puts a job for a queued run on the queue; a no-op on the embedded database, where the LocalRunner hears run.queued. */
export async function sendRunJob(options: { db: Db; runId: string; boss?: PgBoss; startAfterSeconds?: number }): Promise<void> {
  if ((await runQueueMode(options.db)) === "local") return;
  const boss = options.boss ?? (await sender());
  await boss.send(RUN_QUEUE, { runId: options.runId } satisfies RunJob, { ...JOB_OPTIONS, startAfter: options.startAfterSeconds ?? 0 });
}

/**
 * Queues a run that start-run just recorded. A failure here does not fail the request: the run is QUEUED in
 * the record, and any worker's sweep sends a job for a queued run that has none (requeueStrandedRuns).
 */
export async function enqueueRun(options: { db: Db; runId: string }): Promise<void> {
  await sendRunJob(options).catch((error: unknown) =>
    console.error(`[run-queue] could not queue run ${options.runId}; a worker's sweep will pick it up:`, (error as Error).message),
  );
}

/** Runs QUEUED for longer than olderThanMs with no job waiting or taken get a fresh job; returns how many. */
export async function requeueStrandedRuns(options: { db: Db; boss: PgBoss; olderThanMs: number }): Promise<number> {
  const queued = await options.db.run.findMany({
    where: { status: "QUEUED", cancelRequestedAt: null, queuedAt: { lt: new Date(Date.now() - options.olderThanMs) } },
    select: { id: true },
    take: 200,
  });
  if (queued.length === 0) return 0;
  const ids = queued.map((run) => run.id);
  const { rows } = await options.boss
    .getDb()
    .executeSql(`SELECT data->>'runId' AS "runId" FROM pgboss.job WHERE name = $1 AND state IN ('created', 'retry', 'active') AND data->>'runId' = ANY($2)`, [
      RUN_QUEUE,
      ids,
    ]);
  const covered = new Set(rows.map((row: { runId: string }) => row.runId));
  const stranded = ids.filter((id) => !covered.has(id));
  for (const runId of stranded) await sendRunJob({ db: options.db, runId, boss: options.boss });
  return stranded.length;
}

/** Stops this process's sending instance, if it started one. */
export async function closeRunQueue(): Promise<void> {
  const current = state();
  const sending = current.sender;
  current.sender = undefined;
  if (sending) await (await sending.catch(() => undefined))?.stop({ graceful: false, wait: true, close: true });
}
