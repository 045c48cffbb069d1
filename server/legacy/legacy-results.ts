import type { StoredEvent } from "@/server/runs/run-events";

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

interface PlanStepFacts {
  id: string;
  agent: string;
  description: string;
  file?: string;
  tool_name?: string;
}

export interface FinishedFacts {
  status: "succeeded" | "failed" | "cancelled";
  reason: string | null;
  verdict: string | null;
  verification: unknown;
}

const str = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);
const exitCodeOf = (value: unknown): number | null => (typeof value === "number" ? value : null);

export function planStepsOf(events: StoredEvent[]): PlanStepFacts[] {
  const created = events.find((event) => event.type === "plan.created");
  return ((created?.payload.steps as PlanStepFacts[] | undefined) ?? []).filter((step) => typeof step?.id === "string");
}

export function finishedFacts(events: StoredEvent[]): FinishedFacts | null {
  const finished = events.findLast((event) => event.type === "run.finished");
  if (!finished) return null;
  const payload = finished.payload;
  const status = str(payload.status);
  const verdict = payload.verdict as { verdict?: string } | null | undefined;
  return {
    status: status === "succeeded" || status === "cancelled" ? status : "failed",
    reason: str(payload.reason) ?? null,
    verdict: verdict?.verdict ?? null,
    verification: payload.verification ?? null,
  };
}

/** What a sandbox command printed, with its exit code on the last line (the original showed pytest's output). */
export function commandOutput(payload: Record<string, unknown>): string {
  const printed = [str(payload.stdout)?.trim(), str(payload.stderr)?.trim()].filter(Boolean).join("\n");
  const exit = exitCodeOf(payload.exitCode);
  const ending = payload.timedOut === true ? "timed out" : exit === null ? "no exit code" : `exit code ${exit}`;
  return `${printed ? `${printed}\n` : ""}(${ending}${str(payload.reason) ? `: ${str(payload.reason)}` : ""})`;
}

function verdictText(payload: Record<string, unknown>): string {
  const reasons = Array.isArray(payload.reasons) ? payload.reasons.filter((r): r is string => typeof r === "string") : [];
  const verdict = str(payload.verdict) ?? "UNKNOWN";
  return reasons.length ? `${verdict}\n${reasons.map((r) => `- ${r}`).join("\n")}` : verdict;
}

/**
 * The original /run's `results` from the run's record: every applied edit as code, every sandbox command as
 * test output with its exit code, tool steps as tool output, and the critic's verdict as the review. A run
 * that ended without a verdict gets a final error entry saying why.
 */
export function legacyRunResults(events: StoredEvent[]): LegacyResult[] {
  const steps = new Map(planStepsOf(events).map((step) => [step.id, step]));
  const label = (stepId: string | null, fallback: string) => (stepId ? (steps.get(stepId)?.description ?? stepId) : fallback);
  const results: LegacyResult[] = [];
  let reviewed = false;
  for (const { type, payload } of events) {
    const stepId = str(payload.stepId) ?? null;
    if (type === "edit.applied") {
      const output = str(payload.content) ?? str(payload.diff) ?? "";
      results.push({ step: label(stepId, "Edit"), output, type: "code", step_id: stepId, file: str(payload.path) });
    } else if (type === "sandbox.command") {
      results.push({ step: stepId ? `Run tests: ${label(stepId, "")}` : "Run all tests", output: commandOutput(payload), type: "test", step_id: stepId, exit_code: exitCodeOf(payload.exitCode) });
    } else if (type === "tool.executed") {
      results.push({ step: label(stepId, "Tool"), output: str(payload.output) ?? "", type: "tool", step_id: stepId, exit_code: exitCodeOf(payload.exitCode) });
    } else if (type === "verdict") {
      reviewed = true;
      results.push({ step: "Critic review", output: verdictText(payload), type: "review", step_id: null });
    }
  }
  const finished = finishedFacts(events);
  if (finished && finished.status !== "succeeded" && !reviewed) {
    results.push({ step: "Run", output: `${finished.status.toUpperCase()}: ${finished.reason ?? "no reason recorded"}`, type: "error", step_id: null });
  }
  return results;
}

/**
 * The original /run_parallel's `results`: one entry per given step, in order. A coder step gives its file's
 * final content (read at the run's last commit, so debugger fixes are included), a tester step its test
 * output, a tool step `{stdout, returncode}`; a step that never produced anything gives null.
 */
export async function legacyParallelResults(
  events: StoredEvent[],
  readFinalFile: (path: string) => Promise<string | null>,
): Promise<Array<string | LegacyToolResult | null>> {
  const results: Array<string | LegacyToolResult | null> = [];
  for (const step of planStepsOf(events)) {
    const own = events.filter((event) => event.payload.stepId === step.id);
    if (step.agent === "tool") {
      const executed = own.findLast((event) => event.type === "tool.executed");
      const finished = own.findLast((event) => event.type === "step.finished");
      results.push(
        executed
          ? { stdout: str(executed.payload.output) ?? "", returncode: exitCodeOf(executed.payload.exitCode) }
          : { stdout: str(finished?.payload.reason) ?? "the step did not run", returncode: null },
      );
    } else if (step.agent === "coder" && step.file) {
      const edited = own.findLast((event) => event.type === "edit.applied" && event.payload.path === step.file);
      results.push(edited ? ((await readFinalFile(step.file)) ?? str(edited.payload.content) ?? null) : null);
    } else {
      const command = own.findLast((event) => event.type === "sandbox.command");
      results.push(command ? commandOutput(command.payload) : null);
    }
  }
  return results;
}

/** Per-step outcome, a new field beside `results` so a null result can be explained. */
export function legacyStepOutcomes(events: StoredEvent[]) {
  return planStepsOf(events).map((step) => {
    const finished = events.findLast((event) => event.type === "step.finished" && event.payload.stepId === step.id);
    return {
      id: step.id,
      agent: step.agent,
      description: step.description,
      file: step.file ?? null,
      status: str(finished?.payload.status) ?? "not_started",
      reason: str(finished?.payload.reason) ?? null,
    };
  });
}
