import type { Prisma, StepStatus } from "@/generated/prisma/client";
import type { Db } from "@/server/db/client";
import type { EventSink, RunEventInput } from "@/server/orchestrator/ports";
import { RUN_EVENTS_CHANNEL, runBus } from "./run-bus";
import { storablePayload } from "./storable-payload";

type Tx = Prisma.TransactionClient;
type Payload = Record<string, unknown>;

const STEP_STATUS: Record<string, StepStatus> = {
  passed: "SUCCEEDED",
  applied: "SUCCEEDED",
  failed: "FAILED",
  skipped: "SKIPPED",
  cancelled: "CANCELLED",
};
const RUN_STATUS = { succeeded: "SUCCEEDED", failed: "FAILED", cancelled: "CANCELLED", interrupted: "INTERRUPTED" } as const;

const str = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);
const num = (value: unknown): number => (typeof value === "number" && Number.isFinite(value) ? value : 0);

interface PlanStepPayload {
  id: string;
  agent: string;
  description: string;
  file?: string;
  depends_on?: string[];
  group?: number;
  tool_name?: string;
}

/**
 * Keeps the run and step rows in step with the log, in the same transaction as the event, so every view
 * (run page, history, share link, replay) agrees with the record.
 */
async function project(tx: Tx, runId: string, type: string, payload: Payload, at: Date): Promise<void> {
  const stepId = str(payload.stepId);
  switch (type) {
    case "run.started":
      await tx.run.update({ where: { id: runId }, data: { status: "RUNNING", startedAt: at } });
      return;
    case "plan.created": {
      const steps = (payload.steps as PlanStepPayload[] | undefined) ?? [];
      await tx.step.createMany({
        data: steps.map((step, order) => ({
          runId,
          planStepId: step.id,
          order,
          parallelGroup: step.group ?? null,
          dependsOn: step.depends_on ?? [],
          agent: step.agent,
          description: step.description,
          targetFile: step.file ?? null,
          toolName: step.tool_name ?? null,
        })),
        skipDuplicates: true,
      });
      return;
    }
    case "step.started":
      if (stepId) await tx.step.updateMany({ where: { runId, planStepId: stepId }, data: { status: "RUNNING", startedAt: at } });
      return;
    case "step.running":
      if (stepId) await tx.step.updateMany({ where: { runId, planStepId: stepId }, data: { attempts: num(payload.run) } });
      return;
    case "step.finished": {
      const status = STEP_STATUS[str(payload.status) ?? ""];
      if (stepId && status) await tx.step.updateMany({ where: { runId, planStepId: stepId }, data: { status, finishedAt: at } });
      return;
    }
    case "run.cancel_requested":
      await tx.run.update({ where: { id: runId }, data: { cancelRequestedAt: at } });
      return;
    case "run.claimed":
      await tx.run.update({ where: { id: runId }, data: { branch: str(payload.branch), baseCommit: str(payload.baseCommit), headCommit: str(payload.baseCommit) } });
      return;
    case "step.committed":
      await tx.run.update({ where: { id: runId }, data: { headCommit: str(payload.commit) } });
      return;
    case "llm.call": {
      const usage = { tokensIn: { increment: num(payload.tokensIn) }, tokensOut: { increment: num(payload.tokensOut) }, costUsd: { increment: num(payload.costUsd) } };
      await tx.run.update({ where: { id: runId }, data: usage });
      if (stepId) await tx.step.updateMany({ where: { runId, planStepId: stepId }, data: usage });
      return;
    }
    case "verdict":
      await tx.run.update({ where: { id: runId }, data: { verdict: str(payload.verdict) } });
      return;
    case "run.finished": {
      const status = RUN_STATUS[str(payload.status) as keyof typeof RUN_STATUS] ?? "FAILED";
      const verdict = payload.verdict as { verdict?: string } | null | undefined;
      await tx.run.update({
        where: { id: runId },
        data: {
          status,
          statusReason: str(payload.reason) ?? null,
          verdict: verdict?.verdict ?? undefined,
          verification: (payload.verification ?? undefined) as Prisma.InputJsonValue | undefined,
          finishedAt: at,
          workerId: null,
          leaseExpiresAt: null,
        },
      });
      // Steps that never got to finish (a crash, a cancellation) must not stay "running" forever.
      await tx.step.updateMany({ where: { runId, status: { in: ["PENDING", "RUNNING"] } }, data: { status: status === "SUCCEEDED" ? "SKIPPED" : "CANCELLED", finishedAt: at } });
      return;
    }
  }
}

export interface StoredEvent {
  seq: number;
  type: string;
  payload: Payload;
  createdAt: Date;
}

/**
 * Appends one event: the run's lastSeq is bumped under the row lock (so seqs are gap-free and unique even
 * with several writers), the event stored, the projections applied, and other processes notified on commit.
 * Text Postgres cannot store (NUL, lone surrogates) is escaped and marked first, so no event is lost to it.
 */
export async function appendRunEvent(db: Db, input: RunEventInput): Promise<StoredEvent> {
  const event = { ...input, payload: storablePayload(input.payload) };
  const stored = await db.$transaction(async (tx) => {
    const run = await tx.run.update({ where: { id: event.runId }, data: { lastSeq: { increment: 1 } }, select: { lastSeq: true } });
    const row = await tx.runEvent.create({
      data: { runId: event.runId, seq: run.lastSeq, type: event.type, payload: event.payload as Prisma.InputJsonValue },
      select: { seq: true, createdAt: true },
    });
    await project(tx, event.runId, event.type, event.payload, row.createdAt);
    await tx.$executeRaw`SELECT pg_notify(${RUN_EVENTS_CHANNEL}, ${`${event.runId}:${row.seq}:${event.type}`})`;
    return { seq: row.seq, type: event.type, payload: event.payload, createdAt: row.createdAt };
  });
  runBus().publish(event.runId, stored.seq, event.type);
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
    select: { seq: true, type: true, payload: true, createdAt: true },
  });
  return rows.map((row) => ({ ...row, payload: row.payload as Payload }));
}
