/**
 * The SQL that stores a run's events without an interactive transaction (issue #17: a record-changing event
 * held a transaction open over seven round trips, 100-180 ms on a loaded machine, and every viewer waited for
 * its commit). An event is stored, announced and folded into the run's record in one statement; the record it
 * folds is read just before, and the statement stores nothing unless the run's lastSeq is still the one read
 * (every change to a run's record or steps bumps it), so a concurrent writer makes it read again instead of
 * being overwritten.
 */
import { Prisma } from "@/generated/prisma/client";
import type { Db } from "@/server/db/client";
import { EVENT_SCHEMA_VERSION, type RunEventBody, type StoredEvent } from "@/server/runs/events/contract";
import { RECORD_COLUMNS, recordChange, runUsageUpserts, touchesSteps, type RunRow, type StepRow } from "./project-run-event";
import { NOTIFY_PAYLOAD_BYTES, RUN_EVENTS_CHANNEL, runBus } from "./run-bus";

type Tx = Prisma.TransactionClient;

/**
 * Inserts the event at the seq `seq` names (a query returning "lastSeq"; nothing is stored when it returns no
 * row) and queues its NOTIFY, in one statement; `also` are further data-modifying statements run with it.
 */
export function storeAndNotify(client: Db | Tx, runId: string, body: RunEventBody, seq: Prisma.Sql, options: { createdAt?: Date; also?: Prisma.Sql[] } = {}) {
  const createdAt = options.createdAt ? Prisma.sql`${options.createdAt}::timestamp(3)` : Prisma.sql`CURRENT_TIMESTAMP`;
  const json = JSON.stringify(body.payload);
  // The event rides along when it fits, so listening processes deliver it without reading it (run-bus.ts).
  const carried = Buffer.byteLength(json) <= NOTIFY_PAYLOAD_BYTES
    ? Prisma.sql` || ':' || (extract(epoch FROM event."createdAt") * 1000)::bigint || ':' || ${EVENT_SCHEMA_VERSION}::int || ':' || ${json}`
    : Prisma.empty;
  const also = (options.also ?? []).map((statement, index) => Prisma.sql`, ${Prisma.raw(`also_${index}`)} AS (${statement})`);
  return client.$queryRaw<{ seq: number; createdAt: Date }[]>`
    WITH run AS (${seq}),
    event AS (
      INSERT INTO "RunEvent" ("runId", seq, type, payload, version, "createdAt")
      SELECT ${runId}, run."lastSeq", ${body.type}, ${json}::jsonb, ${EVENT_SCHEMA_VERSION}::int, ${createdAt} FROM run
      RETURNING seq, "createdAt"
    ),
    notified AS (SELECT pg_notify(${RUN_EVENTS_CHANNEL}, ${runId} || ':' || event.seq || ':' || ${body.type} || ':' || ${runBus().origin}${carried}) FROM event)
    ${also.length ? Prisma.join(also, "") : Prisma.empty}
    SELECT event.seq, event."createdAt" FROM event, notified`;
}

/**
 * An event that leaves the run's record as it is (most of a run's events: tokens, commands, test results), in
 * one statement: the seq taken under the run's row lock, the row
 * stored and other processes notified, atomically, as appendRunEventTx does (issue #17: a one-step run appends
 * about thirty events on its critical path).
 */
export async function appendUnfoldedEvent(db: Db, runId: string, body: RunEventBody): Promise<StoredEvent> {
  const rows = await storeAndNotify(db, runId, body, Prisma.sql`UPDATE "Run" SET "lastSeq" = "lastSeq" + 1 WHERE id = ${runId} RETURNING "lastSeq"`);
  const row = rows[0];
  if (!row) throw new Error(`cannot store a ${body.type} event: run ${runId} does not exist`);
  return { seq: row.seq, type: body.type, payload: body.payload, createdAt: row.createdAt, version: EVENT_SCHEMA_VERSION };
}

const quoted = (column: string) => Prisma.raw(`"${column}"`);

/** `(a, b) = (SELECT a, b FROM jsonb_populate_record(NULL::"Table", values))`: Postgres casts each value to its column's type. */
function assignColumns(table: "Run" | "Step", values: Record<string, unknown>): Prisma.Sql {
  // Column names come from our own fold (RecordChange), never from input; values travel as one JSON parameter.
  const columns = Prisma.join(Object.keys(values).map(quoted));
  return Prisma.sql`(${columns}) = (SELECT ${columns} FROM jsonb_populate_record(NULL::${quoted(table)}, ${JSON.stringify(values)}::jsonb))`;
}

interface ReadRecord {
  lastSeq: number;
  run: RunRow;
  steps: StepRow[];
  /** The database's clock, as the event's createdAt column would take it. */
  at: Date;
}

type StepJson = Omit<StepRow, "startedAt" | "finishedAt"> & { startedAt: string | null; finishedAt: string | null };
// JSON renders a timestamp column without its zone; Prisma reads the columns as UTC, so do we.
const utc = (value: string | null) => (value === null ? null : new Date(`${value}Z`));

/** The run's record (and, when the event touches them, its steps) in one read; null when the run does not exist. */
async function readRecord(db: Db, runId: string, withSteps: boolean): Promise<ReadRecord | null> {
  const columns = Prisma.join(Object.keys(RECORD_COLUMNS).map((column) => Prisma.sql`r.${quoted(column)}`));
  const steps = withSteps ? Prisma.sql`(SELECT coalesce(json_agg(s ORDER BY s."order"), '[]'::json) FROM "Step" s WHERE s."runId" = r.id)` : Prisma.sql`'[]'::json`;
  const rows = await db.$queryRaw<(RunRow & { lastSeq: number; at: Date; steps: StepJson[] })[]>`
    SELECT r."lastSeq", ${columns}, CURRENT_TIMESTAMP::timestamp(3) AS at, ${steps} AS steps FROM "Run" r WHERE r.id = ${runId}`;
  const row = rows[0];
  if (!row) return null;
  const { lastSeq, at, steps: stepRows, ...run } = row;
  return { lastSeq, at, run, steps: stepRows.map((step) => ({ ...step, startedAt: utc(step.startedAt), finishedAt: utc(step.finishedAt) })) };
}

/** How often a concurrent writer may make the read stale before the append takes the run's row lock instead. */
const OPTIMISTIC_TRIES = 4;

/**
 * Stores a record-changing event in two round trips and no transaction: the record read, then one statement that
 * bumps lastSeq if it is still the one read, stores and announces the event, writes the folded record's changes
 * and the usage. Null when the event should take the transaction path instead (a new plan replaces the steps, or
 * other writers kept changing the run).
 */
export async function appendFoldedEvent(db: Db, runId: string, body: RunEventBody): Promise<StoredEvent | null> {
  for (let attempt = 0; attempt < OPTIMISTIC_TRIES; attempt++) {
    const read = await readRecord(db, runId, touchesSteps({ ...body, seq: 0, createdAt: new Date(0) }));
    if (!read) throw new Error(`cannot store a ${body.type} event: run ${runId} does not exist`);
    const event = { ...body, seq: read.lastSeq + 1, createdAt: read.at };
    const change = recordChange(runId, read.run, read.steps, event);
    if (change && "replace" in change.steps) return null;

    const stored = Prisma.sql`EXISTS (SELECT 1 FROM run)`;
    const also: Prisma.Sql[] = [];
    if (body.type === "llm.call") also.push(...runUsageUpserts(runId, body.payload, stored));
    for (const step of change && "update" in change.steps ? change.steps.update : []) {
      also.push(Prisma.sql`UPDATE "Step" SET ${assignColumns("Step", step.columns)} WHERE "runId" = ${runId} AND "planStepId" = ${step.planStepId} AND ${stored}`);
    }
    const runColumns = change && Object.keys(change.run).length ? Prisma.sql`, ${assignColumns("Run", change.run)}` : Prisma.empty;
    const seq = Prisma.sql`UPDATE "Run" SET "lastSeq" = "lastSeq" + 1${runColumns} WHERE id = ${runId} AND "lastSeq" = ${read.lastSeq} RETURNING "lastSeq"`;
    const rows = await storeAndNotify(db, runId, body, seq, { createdAt: read.at, also });
    const row = rows[0];
    if (row) return { seq: row.seq, type: body.type, payload: body.payload, createdAt: row.createdAt, version: EVENT_SCHEMA_VERSION };
  }
  return null;
}
