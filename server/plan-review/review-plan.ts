import { z } from "zod";
import { requireRun } from "@/server/access/run-access";
import { validatePlan } from "@/server/agents/plan";
import type { Db } from "@/server/db/client";
import { env } from "@/server/env";
import { AppError } from "@/server/errors";
import { deliverRunWebhooks } from "@/server/notifications/deliver-run-webhooks";
import { OFFERED_TOOLS } from "@/server/orchestrator/adapters/sandbox-tools";
import { enqueueRun } from "@/server/runner/run-queue";
import { appendRunEventIf, appendRunEventTx, lastRunEvent, publishRunEvent, type StoredEvent } from "@/server/runs/run-events";

export const ZApprovePlan = z.object({
  runId: z.string().min(1).max(64),
  /** The edited plan ({steps} or a bare list); absent: the planner's plan as it stands. Checked by validatePlan. */
  plan: z.unknown().optional(),
});
export const ZRejectPlan = z.object({ runId: z.string().min(1).max(64), reason: z.string().trim().max(2000, "Keep the reason under 2,000 characters.").default("") });

const NOT_WAITING = "This run's plan is not waiting for review (it was already approved or rejected, it expired, or the run was stopped). Reload the page.";

/** The steps of the last event of `type` in the run's log (the planner's plan, or the approved one); null if none. */
async function lastPlanOf(db: Db, runId: string, type: "plan.created" | "plan.approved"): Promise<{ steps: unknown[] } | null> {
  const payload = await lastRunEvent(db, runId, type);
  return payload ? { steps: payload.steps } : null;
}

/** The plan a resumed run executes: the one approved in review, or null for a run that was never reviewed. */
export function approvedPlanOf(db: Db, runId: string) {
  return lastPlanOf(db, runId, "plan.approved");
}

function toolNames(): string[] {
  return env().ENABLE_TOOL_USE ? OFFERED_TOOLS : [];
}

/** When a plan put up for review now expires. */
export function approvalDeadline(now = new Date()): Date {
  return new Date(now.getTime() + env().PLAN_APPROVAL_TIMEOUT_HOURS * 3_600_000);
}

/**
 * Approves a plan waiting for review, as the planner wrote it or edited (checked with the same schema and rules as
 * a planner's plan). The run is queued again and a worker runs exactly these steps, without calling the Planner.
 */
export async function approvePlan(options: { db: Db; userId: string; input: z.input<typeof ZApprovePlan> }) {
  const { runId, plan } = ZApprovePlan.parse(options.input);
  const run = await requireRun({ db: options.db, userId: options.userId, runId, need: "write" });
  if (run.status !== "AWAITING_APPROVAL") throw new AppError("CONFLICT", NOT_WAITING);
  const proposed = await lastPlanOf(options.db, run.id, "plan.created");
  const checked = validatePlan(plan ?? proposed, { tools: toolNames() });
  if (!checked.ok) throw new AppError("BAD_REQUEST", `The edited plan cannot run: ${checked.error}`);
  const original = proposed ? validatePlan(proposed, { tools: toolNames() }) : null;
  const edited = !original?.ok || JSON.stringify(original.value) !== JSON.stringify(checked.value);
  // Conditional on the status under the row lock: a second approval, a rejection or the expiry sweep loses cleanly.
  const stored = await appendRunEventIf(options.db, { runId: run.id, type: "plan.approved", payload: { by: options.userId, edited, steps: checked.value.steps } }, { status: "AWAITING_APPROVAL" });
  if (!stored) throw new AppError("CONFLICT", NOT_WAITING);
  await enqueueRun({ db: options.db, runId: run.id });
  return { status: "QUEUED" as const, edited, steps: checked.value.steps.length };
}

/** Ends a run whose plan waits for review, recording why; the rejection and the end are one transaction. */
async function endAwaitingRun(db: Db, runId: string, end: { status: "cancelled" | "failed"; reason: string; rejectedBy?: string; note?: string }, onlyIf = {}): Promise<boolean> {
  const stored = await db.$transaction(async (tx): Promise<StoredEvent[] | null> => {
    const guard = { status: "AWAITING_APPROVAL" as const, ...onlyIf };
    const first = end.rejectedBy !== undefined ? await appendRunEventTx(tx, { runId, type: "plan.rejected", payload: { by: end.rejectedBy, reason: end.note ?? "" } }, guard) : null;
    if (end.rejectedBy !== undefined && !first) return null;
    const finished = await appendRunEventTx(tx, { runId, type: "run.finished", payload: { status: end.status, reason: end.reason } }, guard);
    return finished ? [...(first ? [first] : []), finished] : null;
  });
  if (!stored) return false;
  for (const event of stored) publishRunEvent(runId, event);
  void deliverRunWebhooks({ db, runId });
  return true;
}

/** Rejects a plan waiting for review: the run ends cancelled, nothing having run, with the reviewer's reason. */
export async function rejectPlan(options: { db: Db; userId: string; input: z.input<typeof ZRejectPlan> }) {
  const { runId, reason } = ZRejectPlan.parse(options.input);
  const run = await requireRun({ db: options.db, userId: options.userId, runId, need: "write" });
  if (run.status !== "AWAITING_APPROVAL") throw new AppError("CONFLICT", NOT_WAITING);
  const text = `The plan was rejected${reason ? `: ${reason}` : "."} Nothing was run. Re-run the task with a clearer prompt to get a new plan.`;
  if (!(await endAwaitingRun(options.db, run.id, { status: "cancelled", reason: text, rejectedBy: options.userId, note: reason }))) throw new AppError("CONFLICT", NOT_WAITING);
  return { status: "CANCELLED" as const };
}

/** Ends runs whose plan waited past its deadline (PLAN_APPROVAL_TIMEOUT_HOURS); every worker's sweep calls it, one wins each run. */
export async function expirePlanReviews(db: Db): Promise<string[]> {
  const now = new Date();
  const due = await db.run.findMany({ where: { status: "AWAITING_APPROVAL", approvalDeadline: { lt: now } }, select: { id: true, approvalDeadline: true }, take: 100 });
  const expired: string[] = [];
  for (const run of due) {
    const reason = `Nobody approved the plan before its review expired (${run.approvalDeadline!.toISOString()}, PLAN_APPROVAL_TIMEOUT_HOURS after planning); nothing was run. Re-run the task to get a new plan.`;
    if (await endAwaitingRun(db, run.id, { status: "failed", reason }, { approvalDeadline: { lt: now } })) expired.push(run.id);
  }
  return expired;
}
