import { Prisma } from "@/generated/prisma/client";
import { viewerDbFor, type Db } from "@/server/db/client";
import type { EventSink } from "@/server/orchestrator/ports";
import { changesRecord } from "@/server/runs/events/fold-run-record";
import { EVENT_SCHEMA_VERSION, type PayloadOf, type RunEventBody, type RunEventInput, type RunEventType, type StoredEvent } from "@/server/runs/events/contract";
import { parseRunEventBody, readRunEvent } from "@/server/runs/events/read-run-event";
import { projectRunEvent, RECORD_COLUMNS } from "./project-run-event";
import { appendFoldedEvent, appendUnfoldedEvent, storeAndNotify } from "./event-statements";
import { runBus } from "./run-bus";
import { storablePayload } from "./storable-payload";

export type { StoredEvent };
type Tx = Prisma.TransactionClient;

/**
 * Appends one event inside the caller's transaction: validated against the contract (a writer cannot store
 * an event readers would not understand), the run's lastSeq bumped under the row lock (so seqs are gap-free
 * and unique even with several writers), the event stored, the run's record folded (projectRunEvent) and
 * other processes notified on commit. With `onlyIf`, nothing is written unless the run matches it (a race
 * guard: e.g. cancel only a run still queued); then it returns null. Publish the result after the commit.
 * Text Postgres cannot store (NUL, lone surrogates) is escaped and marked first, so no event is lost to it.
 */
export async function appendRunEventTx(tx: Tx, event: RunEventInput, onlyIf: Prisma.RunWhereInput = {}): Promise<StoredEvent | null> {
  return appendCheckedTx(tx, event.runId, checkedBody(event), onlyIf);
}

async function appendCheckedTx(tx: Tx, runId: string, body: RunEventBody, onlyIf: Prisma.RunWhereInput = {}): Promise<StoredEvent | null> {
  let run;
  try {
    run = await tx.run.update({ where: { ...onlyIf, id: runId }, data: { lastSeq: { increment: 1 } }, select: { lastSeq: true, ...RECORD_COLUMNS } });
  } catch (error) {
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2025" && Object.keys(onlyIf).length) return null;
    throw error;
  }
  // Stored and announced in one statement (a round trip less per record-changing event, issue #17); the NOTIFY is
  // delivered at commit, after the record below is folded.
  const rows = await storeAndNotify(tx, runId, body, Prisma.sql`SELECT ${run.lastSeq}::int AS "lastSeq"`);
  const row = rows[0]!;
  await projectRunEvent(tx, runId, run, { ...body, seq: row.seq, createdAt: row.createdAt });
  return { seq: row.seq, type: body.type, payload: body.payload, createdAt: row.createdAt, version: EVENT_SCHEMA_VERSION };
}

/** The event's body as the contract reads it, its text made storable; a writer cannot store what readers would not understand. */
function checkedBody(event: RunEventInput): RunEventBody {
  const checked = parseRunEventBody(event.type, storablePayload(event.payload));
  if (!checked.ok) throw new Error(`refusing to store an invalid run event: ${checked.error}`);
  return checked.body;
}

/** Tells this process's listeners about a committed event (other processes hear the NOTIFY). */
export function publishRunEvent(runId: string, stored: StoredEvent): void {
  runBus().publish(runId, stored);
}

/**
 * Appends one event outside any transaction and publishes it: validated against the contract, stored with the next
 * seq and announced, its record change folded in (event-statements.ts; the transaction path when a new plan replaces
 * the steps or concurrent writers keep the optimistic statement from landing).
 */
export async function appendRunEvent(db: Db, event: RunEventInput): Promise<StoredEvent> {
  const body = checkedBody(event);
  const stored = changesRecord(body)
    ? ((await appendFoldedEvent(db, event.runId, body)) ?? (await db.$transaction((tx) => appendCheckedTx(tx, event.runId, body)))!)
    : await appendUnfoldedEvent(db, event.runId, body);
  publishRunEvent(event.runId, stored);
  return stored;
}

/** Appends only if the run still matches `onlyIf` (checked under the row lock); null when it did not. */
export async function appendRunEventIf(db: Db, event: RunEventInput, onlyIf: Prisma.RunWhereInput): Promise<StoredEvent | null> {
  const stored = await db.$transaction((tx) => appendRunEventTx(tx, event, onlyIf));
  if (stored) publishRunEvent(event.runId, stored);
  return stored;
}

export class PgEventSink implements EventSink {
  constructor(private readonly db: Db) {}

  async append(event: RunEventInput): Promise<{ seq: number }> {
    const stored = await appendRunEvent(this.db, event);
    return { seq: stored.seq };
  }
}

export async function listRunEvents(options: { db: Db; runId: string; afterSeq?: number; limit?: number }): Promise<StoredEvent[]> {
  const rows = await options.db.runEvent.findMany({
    where: { runId: options.runId, seq: { gt: options.afterSeq ?? 0 } },
    orderBy: { seq: "asc" },
    take: Math.min(options.limit ?? 1000, 5000),
    select: { seq: true, type: true, payload: true, createdAt: true, version: true },
  });
  return rows.map((row) => ({ ...row, payload: row.payload as Record<string, unknown> }));
}

/** How many stored events a page renders with (the rest, and everything live, follow on its subscription). */
export const PAGE_LOG_EVENTS = 2_000;

/**
 * The start of a run's log for its page's first render (issue #17: the verdict, commands and tests are in the HTML,
 * not drawn after a subscription's round trip); the page's subscription resumes after the last one. Raw: the share
 * page cuts it first; compactPageLog makes it light.
 */
export function pageRunEvents(db: Db, runId: string): Promise<StoredEvent[]> {
  return listRunEvents({ db: viewerDbFor(db), runId, limit: PAGE_LOG_EVENTS });
}

/** The last event of one type in a run's log, parsed by the contract (merges, plan reviews, pushes); null when there is none. */
export async function lastRunEvent<T extends RunEventType>(db: Db, runId: string, type: T): Promise<PayloadOf<T> | null> {
  const row = await db.runEvent.findFirst({ where: { runId, type }, orderBy: { seq: "desc" }, select: { seq: true, type: true, payload: true, createdAt: true, version: true } });
  if (!row) return null;
  const event = readRunEvent({ ...row, payload: row.payload as Record<string, unknown> });
  return event.type === type ? (event.payload as PayloadOf<T>) : null;
}
