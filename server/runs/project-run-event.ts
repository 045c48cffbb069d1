import { Prisma, type RunStatus, type StepStatus } from "@/generated/prisma/client";
import type { PayloadOf, RunEvent, TVerification } from "@/server/runs/events/contract";
import { emptyUsage, foldRunRecord, type RunRecord, type StepView } from "@/server/runs/events/fold-run-record";
import { durationMs, insightsOutcome } from "@/server/runs/events/run-status";

type Tx = Prisma.TransactionClient;

/** The Run columns the record fold keeps (selected when the event's seq is taken, under the row lock). */
export const RECORD_COLUMNS = {
  status: true,
  statusReason: true,
  startedAt: true,
  finishedAt: true,
  cancelRequestedAt: true,
  branch: true,
  baseCommit: true,
  headCommit: true,
  tokensIn: true,
  tokensOut: true,
  costUsd: true,
  unpricedCalls: true,
  verdict: true,
  verification: true,
  approvalDeadline: true,
} as const satisfies Prisma.RunSelect;

export type RunRow = Prisma.RunGetPayload<{ select: typeof RECORD_COLUMNS }>;
export type StepRow = Prisma.StepGetPayload<object>;

/** Events whose fold reads or changes the steps; only these load the Step rows. */
export function touchesSteps(event: RunEvent): boolean {
  switch (event.type) {
    case "plan.created":
    case "plan.approved":
    case "step.started":
    case "step.running":
    case "step.finished":
    case "step.committed":
    case "debug.started":
    case "run.finished":
      return true;
    case "llm.call":
      return event.payload.stepId !== null;
    default:
      return false;
  }
}

function stepOfRow(row: StepRow): StepView {
  return {
    id: row.planStepId,
    agent: row.agent,
    description: row.description,
    file: row.targetFile,
    dependsOn: row.dependsOn,
    group: row.parallelGroup,
    toolName: row.toolName,
    status: row.status.toLowerCase() as StepView["status"],
    reason: null,
    attempts: row.attempts,
    sandboxRuns: 0,
    commit: null,
    harness: [],
    usage: { tokensIn: row.tokensIn, tokensOut: row.tokensOut, costUsd: row.costUsd, calls: 0 },
    startedAt: row.startedAt,
    finishedAt: row.finishedAt,
  };
}

function recordOfRow(run: RunRow, steps: StepRow[]): RunRecord {
  return {
    ...run,
    status: run.status.toLowerCase() as RunRecord["status"],
    usage: { tokensIn: run.tokensIn, tokensOut: run.tokensOut, costUsd: run.costUsd, calls: emptyUsage.calls, ...(run.unpricedCalls ? { unpriced: run.unpricedCalls } : {}) },
    verdict: run.verdict ? { verdict: run.verdict, reasons: [] } : null,
    verification: run.verification as TVerification | null,
    steps: steps.map(stepOfRow),
    // Merges are read from the log by whoever needs them (loadRunDto); no column holds them.
    merged: null,
  };
}

function stepColumns(step: StepView) {
  return {
    status: step.status.toUpperCase() as StepStatus,
    attempts: step.attempts,
    tokensIn: step.usage.tokensIn,
    tokensOut: step.usage.tokensOut,
    costUsd: step.usage.costUsd,
    startedAt: step.startedAt,
    finishedAt: step.finishedAt,
    durationMs: durationMs(step.startedAt, step.finishedAt),
  };
}

const slowestStepMs = (steps: StepView[]): number | null =>
  steps.reduce<number | null>((max, step) => {
    const ms = durationMs(step.startedAt, step.finishedAt);
    return ms !== null && (max === null || ms > max) ? ms : max;
  }, null);

/**
 * A model call added to the run's usage per role and model (RunUsage) and to its project's, author's and day's
 * (UsageDay): the insights' cost by agent and model. Two statements, each written only when `when` holds (the
 * one-statement append guards them with its seq check).
 */
export function runUsageUpserts(runId: string, call: PayloadOf<"llm.call">, when: Prisma.Sql = Prisma.sql`TRUE`): [Prisma.Sql, Prisma.Sql] {
  const role = call.role ?? "agent";
  const model = call.model ?? "";
  const [tokensIn, tokensOut] = [Math.round(call.tokensIn), Math.round(call.tokensOut)];
  return [
    Prisma.sql`
    INSERT INTO "UsageDay" ("projectId", "authorId", "day", "role", "model", "calls", "tokensIn", "tokensOut", "costUsd")
    SELECT r."projectId", t."authorId", r."createdAt"::date, ${role}, ${model}, 1, ${tokensIn}, ${tokensOut}, ${call.costUsd}
    FROM "Run" r JOIN "Task" t ON t."id" = r."taskId" WHERE r."id" = ${runId} AND ${when}
    ON CONFLICT ("projectId", "day", "authorId", "role", "model") DO UPDATE SET "calls" = "UsageDay"."calls" + 1,
      "tokensIn" = "UsageDay"."tokensIn" + EXCLUDED."tokensIn", "tokensOut" = "UsageDay"."tokensOut" + EXCLUDED."tokensOut",
      "costUsd" = "UsageDay"."costUsd" + EXCLUDED."costUsd"`,
    Prisma.sql`
    INSERT INTO "RunUsage" ("runId", "role", "model", "calls", "tokensIn", "tokensOut", "costUsd")
    SELECT ${runId}, ${role}, ${model}, 1, ${tokensIn}, ${tokensOut}, ${call.costUsd} WHERE ${when}
    ON CONFLICT ("runId", "role", "model") DO UPDATE SET "calls" = "RunUsage"."calls" + 1,
      "tokensIn" = "RunUsage"."tokensIn" + EXCLUDED."tokensIn", "tokensOut" = "RunUsage"."tokensOut" + EXCLUDED."tokensOut",
      "costUsd" = "RunUsage"."costUsd" + EXCLUDED."costUsd"`,
  ];
}

/** What one event changes in the stored record: Run columns, and either the changed columns per step or a new plan's steps. */
export interface RecordChange {
  run: Prisma.RunUpdateInput;
  steps: { replace: Prisma.StepCreateManyInput[] } | { update: { planStepId: string; columns: Partial<ReturnType<typeof stepColumns>> }[] };
}

/**
 * What `event` changes in the record `run` and `steps` hold, by the same fold the page uses (foldRunRecord); null
 * when nothing. Pure: the transaction (projectRunEvent) and the one-statement append (append-folded-event.ts) write it.
 */
export function recordChange(runId: string, run: RunRow, steps: StepRow[], event: RunEvent): RecordChange | null {
  const before = recordOfRow(run, steps);
  const after = foldRunRecord(before, event);
  if (after === before) return null;

  const data: Prisma.RunUpdateInput = {};
  if (after.status !== before.status) data.status = after.status.toUpperCase() as RunStatus;
  for (const key of ["statusReason", "startedAt", "finishedAt", "cancelRequestedAt", "branch", "baseCommit", "headCommit", "approvalDeadline"] as const) {
    if (after[key] !== before[key]) (data as Record<string, unknown>)[key] = after[key];
  }
  if (after.usage !== before.usage) Object.assign(data, { tokensIn: after.usage.tokensIn, tokensOut: after.usage.tokensOut, costUsd: after.usage.costUsd, unpricedCalls: after.usage.unpriced ?? 0 });
  if (after.verdict !== before.verdict) data.verdict = after.verdict?.verdict ?? null;
  if (after.verification !== before.verification && after.verification) data.verification = after.verification as unknown as Prisma.InputJsonValue;
  // The insights' stored figures (outcome, durations), written with the status they derive from.
  if (after.status !== before.status || after.verification !== before.verification) data.outcome = insightsOutcome(after.status, after.verification?.outcome);
  if (after.finishedAt !== before.finishedAt || after.startedAt !== before.startedAt) data.durationMs = durationMs(after.startedAt, after.finishedAt);
  if (after.steps !== before.steps && slowestStepMs(after.steps) !== slowestStepMs(before.steps)) data.slowestStepMs = slowestStepMs(after.steps);
  // A run that ended, or waits for its plan's review, is no longer held by any worker.
  if (after.finishedAt !== before.finishedAt || (after.status === "awaiting_approval" && before.status !== after.status)) Object.assign(data, { workerId: null, leaseExpiresAt: null });

  if (after.steps === before.steps) return { run: data, steps: { update: [] } };
  if (event.type === "plan.created" || event.type === "plan.approved") {
    // A reviewed plan replaces the planner's (ids may be the same with other descriptions): no step has started yet.
    const replace = after.steps.map((step, order) => ({
      runId,
      planStepId: step.id,
      order,
      parallelGroup: step.group,
      dependsOn: step.dependsOn,
      agent: step.agent,
      description: step.description,
      targetFile: step.file,
      toolName: step.toolName,
    }));
    return { run: data, steps: { replace } };
  }
  const old = new Map(before.steps.map((step) => [step.id, stepColumns(step)]));
  const update = after.steps.flatMap((step) => {
    const previous = old.get(step.id);
    const columns = Object.fromEntries(Object.entries(stepColumns(step)).filter(([key, value]) => {
      const was = previous?.[key as keyof ReturnType<typeof stepColumns>];
      return value instanceof Date && was instanceof Date ? value.getTime() !== was.getTime() : value !== was;
    }));
    return Object.keys(columns).length ? [{ planStepId: step.id, columns }] : [];
  });
  return { run: data, steps: { update } };
}

/**
 * Applies one event to the run's stored record (recordChange) inside the append's transaction: the Run row's
 * status, timestamps, totals and verdict, the Step rows and the usage tables. Together with the one-statement
 * append (append-folded-event.ts), the only place Run.status is written.
 */
export async function projectRunEvent(tx: Tx, runId: string, run: RunRow, event: RunEvent): Promise<void> {
  if (event.type === "llm.call") for (const upsert of runUsageUpserts(runId, event.payload)) await tx.$executeRaw(upsert);
  const steps = touchesSteps(event) ? await tx.step.findMany({ where: { runId }, orderBy: { order: "asc" } }) : [];
  const change = recordChange(runId, run, steps, event);
  if (!change) return;
  if (Object.keys(change.run).length) await tx.run.update({ where: { id: runId }, data: change.run });
  if ("replace" in change.steps) {
    await tx.step.deleteMany({ where: { runId } });
    await tx.step.createMany({ data: change.steps.replace, skipDuplicates: true });
    return;
  }
  for (const { planStepId, columns } of change.steps.update) await tx.step.update({ where: { runId_planStepId: { runId, planStepId } }, data: columns });
}
