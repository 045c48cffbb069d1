import type { PayloadOf, RunEvent, StoredEvent, TVerification } from "@/server/runs/events/contract";
import { displayStatus, OUTCOME_HEADLINES } from "@/server/runs/events/run-status";
import { foldRunRecord, initialRunRecord, type RunRecord } from "@/server/runs/events/fold-run-record";
import { readRunEvent } from "@/server/runs/events/read-run-event";

/** One entry of the original /run's `results`; step_id, file and exit_code are additions old clients ignore. */
export interface LegacyResult {
  step: string;
  output: string;
  type: "code" | "test" | "tool" | "review" | "error";
  step_id: string | null;
  file?: string;
  exit_code?: number | null;
}

export interface LegacyToolResult {
  stdout: string;
  returncode: number | null;
}

/** A step that produced nothing, in place of the original's null (which crashed its clients). */
export interface LegacySkipped {
  step: string;
  output: null;
  type: "skipped";
  reason: string;
}

export type LegacyParallelResult = string | LegacyToolResult | LegacySkipped | object;

export interface FinishedFacts {
  /** needs_review: succeeded, but only with the run's own test or harness changes, or nothing executed (run-status.ts). */
  status: "succeeded" | "needs_review" | "failed" | "cancelled";
  outcome: string | null;
  reason: string | null;
  verdict: string | null;
  verification: unknown;
}

/** The run's events through the contract, and the record the one fold makes of them. */
function readRecord(events: StoredEvent[]): { typed: RunEvent[]; record: RunRecord } {
  const typed = events.map(readRunEvent);
  return { typed, record: typed.reduce(foldRunRecord, initialRunRecord) };
}

export function finishedFacts(events: StoredEvent[]): FinishedFacts | null {
  const { record } = readRecord(events);
  if (record.finishedAt === null) return null;
  const shown = displayStatus(record.status, record.verification?.outcome);
  return {
    status: shown === "NEEDS_REVIEW" ? "needs_review" : record.status === "succeeded" || record.status === "cancelled" ? record.status : "failed",
    outcome: record.verification?.outcome ?? null,
    reason: record.statusReason,
    verdict: record.verdict?.verdict ?? null,
    verification: record.verification,
  };
}

/** NEEDS REVIEW first, then the harness diffs, then the changed tests with the debugger's reasons. */
export function reviewText(verification: TVerification | null): string {
  const outcome = verification?.outcome ?? "not_run";
  return [
    `NEEDS REVIEW (not verified): ${OUTCOME_HEADLINES[outcome].replace(/^Needs review: /, "")}`,
    ...(verification?.harnessChanges ?? []).map((c) => `Harness changed: ${c.path} (${c.reason})\n${c.diff.trimEnd()}`),
    ...(verification?.testChanges ?? []).map((c) => `Test changed by the debugger: ${c.path}. Reason: ${c.reason}\n${c.diff.trimEnd()}`),
  ].join("\n");
}

/** What a sandbox command printed, with its exit code on the last line (the original showed pytest's output). */
export function commandOutput(payload: PayloadOf<"sandbox.command">): string {
  const printed = [payload.stdout.trim(), payload.stderr.trim()].filter(Boolean).join("\n");
  const ending = payload.timedOut ? "timed out" : payload.exitCode === null ? "no exit code" : `exit code ${payload.exitCode}`;
  return `${printed ? `${printed}\n` : ""}(${ending}${payload.reason ? `: ${payload.reason}` : ""})`;
}

function verdictText(payload: PayloadOf<"verdict">): string {
  return payload.reasons.length ? `${payload.verdict}\n${payload.reasons.map((r) => `- ${r}`).join("\n")}` : payload.verdict;
}

/**
 * The original /run's `results` from the run's record: every applied edit as code, every sandbox command as
 * test output with its exit code, tool steps as tool output, and the critic's verdict as the review. A run
 * that ended without a verdict gets a final error entry saying why.
 */
export function legacyRunResults(events: StoredEvent[]): LegacyResult[] {
  const { typed, record } = readRecord(events);
  const steps = new Map(record.steps.map((step) => [step.id, step]));
  const label = (stepId: string | null, fallback: string) => (stepId ? (steps.get(stepId)?.description ?? stepId) : fallback);
  const results: LegacyResult[] = [];
  for (const event of typed) {
    if (event.type === "edit.applied") {
      const { stepId, path, content, diff } = event.payload;
      results.push({ step: label(stepId, "Edit"), output: content ?? diff ?? "", type: "code", step_id: stepId, file: path });
    } else if (event.type === "sandbox.command") {
      const { stepId, exitCode } = event.payload;
      results.push({ step: stepId ? `Run tests: ${label(stepId, "")}` : "Run all tests", output: commandOutput(event.payload), type: "test", step_id: stepId, exit_code: exitCode });
    } else if (event.type === "tool.executed") {
      const { stepId, output, exitCode } = event.payload;
      results.push({ step: label(stepId, "Tool"), output, type: "tool", step_id: stepId, exit_code: exitCode });
    } else if (event.type === "verdict") {
      results.push({ step: "Critic review", output: verdictText(event.payload), type: "review", step_id: null });
    }
  }
  const finished = finishedFacts(events);
  if (finished?.status === "needs_review") results.push({ step: "Verification", output: reviewText(record.verification), type: "review", step_id: null });
  if (finished && finished.status !== "succeeded" && finished.status !== "needs_review" && !typed.some((event) => event.type === "verdict")) {
    results.push({ step: "Run", output: `${finished.status.toUpperCase()}: ${finished.reason ?? "no reason recorded"}`, type: "error", step_id: null });
  }
  return results;
}

/**
 * The original /run_parallel's `results`: one entry per given step, in order. A coder step gives its file's
 * final content (read at the run's last commit, so debugger fixes are included), a tester step its test
 * output, a tool step `{stdout, returncode}`; a step that never produced anything gives a skipped entry
 * with the reason (the original's null crashed its clients).
 */
export async function legacyParallelResults(
  events: StoredEvent[],
  readFinalFile: (path: string) => Promise<string | null>,
): Promise<LegacyParallelResult[]> {
  const { typed, record } = readRecord(events);
  const results: LegacyParallelResult[] = [];
  for (const step of record.steps) {
    const skipped: LegacySkipped = { step: step.description, output: null, type: "skipped", reason: step.reason ?? `the step is ${step.status}` };
    const own = typed.filter((event) => "stepId" in event.payload && event.payload.stepId === step.id);
    const last = <T extends RunEvent["type"]>(type: T) => own.findLast((event): event is Extract<RunEvent, { type: T }> => event.type === type);
    if (step.agent === "tool") {
      const executed = last("tool.executed");
      results.push(executed ? { stdout: executed.payload.output, returncode: executed.payload.exitCode } : skipped);
    } else if (step.agent === "coder" && step.file) {
      const edited = own.findLast((event): event is Extract<RunEvent, { type: "edit.applied" }> => event.type === "edit.applied" && event.payload.path === step.file);
      results.push((edited && ((await readFinalFile(step.file)) ?? edited.payload.content)) || skipped);
    } else {
      const command = last("sandbox.command");
      results.push(command ? commandOutput(command.payload) : skipped);
    }
  }
  return results;
}

/** Per-step outcome, a new field beside `results` so a null result can be explained. */
export function legacyStepOutcomes(events: StoredEvent[]) {
  const { typed, record } = readRecord(events);
  return record.steps.map((step) => {
    const finished = typed.findLast((event): event is Extract<RunEvent, { type: "step.finished" }> => event.type === "step.finished" && event.payload.stepId === step.id);
    return {
      id: step.id,
      agent: step.agent,
      description: step.description,
      file: step.file,
      status: finished?.payload.status ?? "not_started",
      reason: finished?.payload.reason ?? null,
    };
  });
}
