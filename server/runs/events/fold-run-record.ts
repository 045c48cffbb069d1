/**
 * The one fold from a run's events to its record: status, timestamps, steps, usage, verdict, verification.
 * Pure and browser-safe. The run page folds the whole log with it; the server applies it to the stored
 * Run and Step rows in the same transaction as each append (server/runs/project-run-event.ts), so the
 * history, the API and the page can never disagree.
 */
import { assertNever, type RunEvent, type RunEventBody, type TEventPlanStep, type TStepOutcomeStatus, type TUsage, type TVerification, type UnreadableEventBody } from "./contract";

export type RunState = "queued" | "running" | "awaiting_approval" | "succeeded" | "failed" | "cancelled" | "interrupted";
export type StepState = "pending" | "running" | "succeeded" | "failed" | "skipped" | "cancelled";

export interface StepView {
  id: string;
  agent: string;
  description: string;
  file: string | null;
  dependsOn: string[];
  group: number | null;
  toolName: string | null;
  status: StepState;
  reason: string | null;
  /** Debug rounds started for this step (0 when its first sandbox run passed). */
  attempts: number;
  /** Sandbox runs of this step (attempts + 1 for a code step that ran to the end). */
  sandboxRuns: number;
  commit: string | null;
  /** Test harness files this step changed (marked when the edit happens, so a reviewer sees it before the end). */
  harness: string[];
  usage: TUsage;
  startedAt: Date | null;
  finishedAt: Date | null;
}

export interface RunRecord {
  status: RunState;
  statusReason: string | null;
  startedAt: Date | null;
  finishedAt: Date | null;
  cancelRequestedAt: Date | null;
  branch: string | null;
  baseCommit: string | null;
  headCommit: string | null;
  usage: TUsage;
  verdict: { verdict: string; reasons: string[] } | null;
  verification: TVerification | null;
  steps: StepView[];
  /** While the plan awaits review: when it expires (the run then ends unapproved). */
  approvalDeadline: Date | null;
  /** The last merge of the run's branch (who, whether confirmed although not verified); null: never merged. */
  merged: { by: string; forced: boolean; into: string; commit: string; at: Date } | null;
}

export const emptyUsage: TUsage = { tokensIn: 0, tokensOut: 0, costUsd: 0, calls: 0 };

export const initialRunRecord: RunRecord = {
  status: "queued",
  statusReason: null,
  startedAt: null,
  finishedAt: null,
  cancelRequestedAt: null,
  branch: null,
  baseCommit: null,
  headCommit: null,
  usage: emptyUsage,
  verdict: null,
  verification: null,
  steps: [],
  approvalDeadline: null,
  merged: null,
};

/** The orchestrator's step outcomes as step states. */
export const STEP_STATE_OF: Record<TStepOutcomeStatus, StepState> = { passed: "succeeded", applied: "succeeded", failed: "failed", skipped: "skipped", cancelled: "cancelled" };

const addUsage = (usage: TUsage, call: { tokensIn: number; tokensOut: number; costUsd: number; priced?: boolean }): TUsage => {
  const unpriced = (usage.unpriced ?? 0) + (call.priced === false ? 1 : 0);
  return {
    tokensIn: usage.tokensIn + call.tokensIn,
    tokensOut: usage.tokensOut + call.tokensOut,
    costUsd: usage.costUsd + call.costUsd,
    calls: usage.calls + 1,
    ...(unpriced ? { unpriced } : {}),
  };
};

const withUnpriced = (usage: TUsage, unpriced: number): TUsage => {
  const { unpriced: _, ...rest } = usage;
  return unpriced ? { ...rest, unpriced } : rest;
};

function updateStep(record: RunRecord, stepId: string | null, change: (step: StepView) => StepView): RunRecord {
  if (!stepId || !record.steps.some((step) => step.id === stepId)) return record;
  return { ...record, steps: record.steps.map((step) => (step.id === stepId ? change(step) : step)) };
}

function pendingSteps(steps: TEventPlanStep[]): StepView[] {
  return steps.map((step) => ({
    id: step.id,
    agent: step.agent,
    description: step.description,
    file: step.file ?? null,
    dependsOn: step.depends_on,
    group: step.group ?? null,
    toolName: step.tool_name ?? null,
    status: "pending",
    reason: null,
    attempts: 0,
    sandboxRuns: 0,
    commit: null,
    harness: [],
    usage: emptyUsage,
    startedAt: null,
    finishedAt: null,
  }));
}

/** Folds one event into the record; events that do not concern it return the same object. */
export function foldRunRecord(record: RunRecord, event: RunEvent): RunRecord {
  const at = event.createdAt;
  switch (event.type) {
    case "run.claimed": {
      const { branch, baseCommit } = event.payload;
      const claimed = { ...record, status: "running" as const, startedAt: at };
      return branch && baseCommit ? { ...claimed, branch, baseCommit, headCommit: baseCommit } : claimed;
    }
    case "run.branched": {
      const { branch, baseCommit } = event.payload;
      return { ...record, branch, baseCommit, headCommit: baseCommit };
    }
    case "run.started":
      return { ...record, status: "running", startedAt: at };
    case "run.merged": {
      const { by, forced, into, commit } = event.payload;
      return { ...record, merged: { by, forced, into, commit, at } };
    }
    case "run.cancel_requested":
      return { ...record, cancelRequestedAt: at };
    case "plan.created":
      return { ...record, steps: pendingSteps(event.payload.steps) };
    case "plan.awaiting_approval": {
      const deadline = new Date(event.payload.expiresAt);
      return { ...record, status: "awaiting_approval", approvalDeadline: Number.isNaN(deadline.getTime()) ? null : deadline };
    }
    case "plan.approved":
      // Back in the queue with the approved steps; the worker that takes it runs exactly these.
      return { ...record, status: "queued", approvalDeadline: null, steps: pendingSteps(event.payload.steps) };
    case "step.started":
      return updateStep(record, event.payload.stepId, (step) => ({ ...step, status: "running", startedAt: at }));
    case "step.running":
      return updateStep(record, event.payload.stepId, (step) => ({ ...step, sandboxRuns: event.payload.sandboxRun }));
    case "debug.started":
      return updateStep(record, event.payload.stepId, (step) => ({ ...step, attempts: event.payload.attempt }));
    case "step.committed":
      return updateStep({ ...record, headCommit: event.payload.commit }, event.payload.stepId, (step) => ({ ...step, commit: event.payload.commit }));
    case "step.finished": {
      const { stepId, status, reason } = event.payload;
      return updateStep(record, stepId, (step) => ({ ...step, status: STEP_STATE_OF[status], reason, finishedAt: at }));
    }
    case "edit.applied": {
      const { harness, path } = event.payload;
      return harness ? updateStep(record, event.payload.stepId, (step) => (step.harness.includes(path) ? step : { ...step, harness: [...step.harness, path] })) : record;
    }
    case "llm.call": {
      const withRun = { ...record, usage: addUsage(record.usage, event.payload) };
      return updateStep(withRun, event.payload.stepId, (step) => ({ ...step, usage: addUsage(step.usage, event.payload) }));
    }
    case "verdict":
      return { ...record, verdict: event.payload };
    case "run.finished": {
      const { status, reason, verdict, verification, usage } = event.payload;
      // Steps that never got to finish (a crash, a cancellation) must not stay "running" forever.
      const unfinished: StepState = status === "succeeded" ? "skipped" : "cancelled";
      return {
        ...record,
        status,
        statusReason: reason,
        finishedAt: at,
        approvalDeadline: null,
        verdict: verdict ?? record.verdict,
        verification: verification ?? record.verification,
        // The orchestrator's total knows no prices: the unpriced count comes from the calls folded so far.
        usage: usage ? withUnpriced(usage, Math.max(usage.unpriced ?? 0, record.usage.unpriced ?? 0)) : record.usage,
        steps: record.steps.map((step) => (step.status === "pending" || step.status === "running" ? { ...step, status: unfinished, finishedAt: at } : step)),
      };
    }
    default:
      return isRecordNeutral(event) ? record : assertNever(event);
  }
}

/** Event types that never concern the record: stored and streamed as they are (their append is one statement). */
const RECORD_NEUTRAL_TYPES = [
  "run.queued",
  "memory.recalled",
  "memory.unavailable",
  "memory.remembered",
  "plan.started",
  "plan.rejected",
  "step.commit_failed",
  "edit.rejected",
  "sandbox.command",
  "test.result",
  "tool.executed",
  "llm.tokens",
  "llm.discarded",
  "agent.repair",
  "budget.exceeded",
  "verification.started",
  "sandbox.seeded",
  "environment.waiting",
  "environment.building",
  "environment.ready",
  "environment.changing",
  "environment.changed",
  "environment.change_failed",
  "verification.baseline",
  "verification.progress",
  "sandbox.output",
  "run.pushed",
  "run.pull_request",
  "acceptance.frozen",
  "verification.reverify_started",
  "verification.reverified",
  "unreadable",
] as const satisfies ReadonlyArray<RunEvent["type"]>;
const RECORD_NEUTRAL = new Set<string>(RECORD_NEUTRAL_TYPES);

function isRecordNeutral(event: RunEvent): event is Extract<RunEvent, { type: (typeof RECORD_NEUTRAL_TYPES)[number] }> {
  return RECORD_NEUTRAL.has(event.type);
}

/** False when folding the event leaves every record as it was, whatever the record (the writer skips the fold). */
export function changesRecord(event: RunEventBody | UnreadableEventBody): boolean {
  if (RECORD_NEUTRAL.has(event.type)) return false;
  return !(event.type === "edit.applied" && !event.payload.harness);
}
