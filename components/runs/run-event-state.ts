/**
 * The run page's picture of a run, folded from its ordered event log. Pure, so the same fold serves the
 * owner's page and a share link, and replays of any prefix give the same picture.
 */
import type { CommandRecord } from "@/server/orchestrator/run-task";

export interface RunEvent {
  seq: number;
  type: string;
  payload: Record<string, unknown>;
  createdAt: Date;
}

export type StepState = "pending" | "running" | "succeeded" | "failed" | "skipped" | "cancelled";

export interface PlanStepView {
  id: string;
  agent: string;
  description: string;
  file: string | null;
  dependsOn: string[];
  group: number | null;
  toolName: string | null;
  status: StepState;
  reason: string | null;
  attempts: number;
  commit: string | null;
}

/** A sandbox.command event: the orchestrator's command record plus its place in the log and its output. */
export interface CommandView extends Omit<CommandRecord, "reason"> {
  seq: number;
  reason: string | null;
  stdout: string;
  stderr: string;
}

export interface TestView {
  key: string;
  stepId: string | null;
  name: string;
  classname: string;
  file: string | null;
  status: "passed" | "failed" | "error" | "skipped";
  origin: "model" | "repository";
  message: string | null;
  durationMs: number | null;
}

export interface VerificationView {
  outcome: "verified" | "asserted" | "failed" | "not_run";
  summary: string;
  commands: number;
  modelTests: { passed: number; total: number };
  repositoryTests: { passed: number; total: number };
  testsChangedByDebugger: string[];
}

/** What the planner was given from memory: similar past tasks and repository snippets, with their scores. */
export interface RecalledContext {
  memories: { runId: string | null; task: string; score: number | null }[];
  snippets: { path: string; startLine: number; endLine: number; score: number | null }[];
}

export interface RunEventState {
  lastSeq: number;
  /** Events that arrived with a seq already seen (should stay 0: the stream resumes after lastEventId). */
  repeated: number;
  /** Seqs skipped over (should stay 0: nothing is lost on a reconnect). */
  missing: number;
  phase: "queued" | "starting" | "planning" | "executing" | "verifying" | "finished";
  steps: PlanStepView[];
  commands: CommandView[];
  tests: TestView[];
  edits: { seq: number; stepId: string | null; path: string; by: string }[];
  notes: { seq: number; tone: "info" | "warn" | "error"; text: string }[];
  verdict: { verdict: string; reasons: string[] } | null;
  verification: VerificationView | null;
  usage: { tokensIn: number; tokensOut: number; costUsd: number; calls: number };
  finished: { status: string; reason: string | null } | null;
  cancelRequested: boolean;
  recalled: RecalledContext | null;
}

export const initialRunEventState: RunEventState = {
  lastSeq: 0,
  repeated: 0,
  missing: 0,
  phase: "queued",
  steps: [],
  commands: [],
  tests: [],
  edits: [],
  notes: [],
  verdict: null,
  verification: null,
  usage: { tokensIn: 0, tokensOut: 0, costUsd: 0, calls: 0 },
  finished: null,
  cancelRequested: false,
  recalled: null,
};

const str = (value: unknown): string | null => (typeof value === "string" ? value : null);
const num = (value: unknown): number => (typeof value === "number" && Number.isFinite(value) ? value : 0);
const MAX_OUTPUT_CHARS = 4000;

function updateStep(state: RunEventState, stepId: unknown, change: (step: PlanStepView) => PlanStepView): RunEventState {
  const id = str(stepId);
  if (!id) return state;
  return { ...state, steps: state.steps.map((step) => (step.id === id ? change(step) : step)) };
}

/** The orchestrator's step outcomes (passed, applied, failed, skipped, cancelled) as the page shows them. */
const STEP_OUTCOME: Record<string, StepState> = { passed: "succeeded", applied: "succeeded", failed: "failed", skipped: "skipped", cancelled: "cancelled" };

function stepStatus(value: unknown): StepState {
  return STEP_OUTCOME[str(value) ?? ""] ?? "failed";
}

function countTests(tests: unknown[], origin: string) {
  const mine = tests.filter((t): t is { origin: string; status: string } => typeof t === "object" && t !== null && (t as { origin?: unknown }).origin === origin);
  return { passed: mine.filter((t) => t.status === "passed").length, total: mine.length };
}

/** Folds one event into the state; an event already seen is counted and otherwise ignored. */
export function applyRunEvent(state: RunEventState, event: RunEvent): RunEventState {
  if (event.seq <= state.lastSeq) return { ...state, repeated: state.repeated + 1 };
  const missing = state.missing + Math.max(0, event.seq - state.lastSeq - 1);
  const next: RunEventState = { ...state, lastSeq: event.seq, missing };
  const p = event.payload;
  switch (event.type) {
    case "run.claimed":
    case "run.started":
      return { ...next, phase: "starting" };
    case "plan.started":
      return { ...next, phase: "planning" };
    case "plan.created": {
      const steps = Array.isArray(p.steps) ? p.steps : [];
      return {
        ...next,
        phase: "executing",
        steps: steps.map((raw) => {
          const s = raw as Record<string, unknown>;
          return {
            id: str(s.id) ?? "?",
            agent: str(s.agent) ?? "coder",
            description: str(s.description) ?? "",
            file: str(s.file),
            dependsOn: Array.isArray(s.depends_on) ? s.depends_on.filter((d): d is string => typeof d === "string") : [],
            group: typeof s.group === "number" ? s.group : null,
            toolName: str(s.tool_name),
            status: "pending",
            reason: null,
            attempts: 0,
            commit: null,
          };
        }),
      };
    }
    case "step.started":
      return updateStep(next, p.stepId, (step) => ({ ...step, status: "running" }));
    case "debug.started":
      return updateStep(next, p.stepId, (step) => ({ ...step, attempts: num(p.attempt) }));
    case "step.committed":
      return updateStep(next, p.stepId, (step) => ({ ...step, commit: str(p.commit) }));
    case "step.finished":
      return updateStep(next, p.stepId, (step) => ({ ...step, status: stepStatus(p.status), reason: str(p.reason) }));
    case "edit.applied":
      return { ...next, edits: [...next.edits, { seq: event.seq, stepId: str(p.stepId), path: str(p.path) ?? "?", by: str(p.by) ?? "" }] };
    case "edit.rejected":
      return { ...next, notes: [...next.notes, { seq: event.seq, tone: "warn", text: `An edit to ${str(p.path) ?? "a file"} was rejected: ${str(p.error) ?? "unknown reason"}` }] };
    case "sandbox.command":
      return {
        ...next,
        commands: [
          ...next.commands,
          {
            seq: event.seq,
            stepId: str(p.stepId),
            command: str(p.command) ?? "",
            exitCode: typeof p.exitCode === "number" ? p.exitCode : null,
            timedOut: p.timedOut === true,
            oomKilled: p.oomKilled === true,
            durationMs: num(p.durationMs),
            passed: p.passed === true,
            reason: str(p.reason),
            stdout: (str(p.stdout) ?? "").slice(-MAX_OUTPUT_CHARS),
            stderr: (str(p.stderr) ?? "").slice(-MAX_OUTPUT_CHARS),
          },
        ],
      };
    case "test.result": {
      const test: TestView = {
        key: `${str(p.classname) ?? ""}::${str(p.name) ?? ""}`,
        stepId: str(p.stepId),
        name: str(p.name) ?? "?",
        classname: str(p.classname) ?? "",
        file: str(p.file),
        status: (["passed", "failed", "error", "skipped"].includes(str(p.status) ?? "") ? p.status : "error") as TestView["status"],
        origin: p.origin === "model" ? "model" : "repository",
        message: str(p.message),
        durationMs: typeof p.durationMs === "number" ? p.durationMs : null,
      };
      // The latest result of a test replaces earlier ones (a debug round re-runs the same tests).
      return { ...next, tests: [...next.tests.filter((t) => t.key !== test.key), test] };
    }
    case "llm.call":
      return {
        ...next,
        usage: {
          tokensIn: next.usage.tokensIn + num(p.tokensIn),
          tokensOut: next.usage.tokensOut + num(p.tokensOut),
          costUsd: next.usage.costUsd + num(p.costUsd),
          calls: next.usage.calls + 1,
        },
      };
    case "memory.recalled": {
      const list = (value: unknown) => (Array.isArray(value) ? value.filter((x): x is Record<string, unknown> => typeof x === "object" && x !== null) : []);
      const score = (value: unknown) => (typeof value === "number" && Number.isFinite(value) ? value : null);
      return {
        ...next,
        recalled: {
          memories: list(p.memories).map((m) => ({ runId: str(m.runId), task: str(m.task) ?? "", score: score(m.score) })),
          snippets: list(p.snippets).map((s) => ({ path: str(s.path) ?? "?", startLine: num(s.startLine), endLine: num(s.endLine), score: score(s.score) })),
        },
      };
    }
    case "memory.unavailable":
      return { ...next, notes: [...next.notes, { seq: event.seq, tone: "info", text: `Memory was not used: ${str(p.error) ?? "unavailable"}` }] };
    case "budget.exceeded":
      return { ...next, notes: [...next.notes, { seq: event.seq, tone: "error", text: str(p.message) ?? "The run's budget was exceeded." }] };
    case "verification.started":
      return { ...next, phase: "verifying" };
    case "verdict":
      return { ...next, verdict: { verdict: str(p.verdict) ?? "?", reasons: Array.isArray(p.reasons) ? p.reasons.map(String) : [] } };
    case "run.cancel_requested":
      return { ...next, cancelRequested: true };
    case "run.finished": {
      const v = p.verification as Record<string, unknown> | undefined;
      const tests = Array.isArray(v?.tests) ? v.tests : [];
      const usage = p.usage as Record<string, unknown> | undefined;
      const verdict = p.verdict as { verdict?: unknown; reasons?: unknown } | null | undefined;
      const status = str(p.status) ?? "failed";
      // Steps that never finished did not run to the end: the same rule as the server's projection.
      const unfinished: StepState = status === "succeeded" ? "skipped" : "cancelled";
      return {
        ...next,
        phase: "finished",
        finished: { status, reason: str(p.reason) },
        steps: next.steps.map((step) => (step.status === "pending" || step.status === "running" ? { ...step, status: unfinished } : step)),
        verdict: verdict && typeof verdict === "object" ? { verdict: str(verdict.verdict) ?? "?", reasons: Array.isArray(verdict.reasons) ? verdict.reasons.map(String) : [] } : next.verdict,
        verification: v
          ? {
              outcome: (["verified", "asserted", "failed", "not_run"].includes(str(v.outcome) ?? "") ? v.outcome : "not_run") as VerificationView["outcome"],
              summary: str(v.summary) ?? "",
              commands: Array.isArray(v.commands) ? v.commands.length : 0,
              modelTests: countTests(tests, "model"),
              repositoryTests: countTests(tests, "repository"),
              testsChangedByDebugger: Array.isArray(v.testsChangedByDebugger) ? v.testsChangedByDebugger.map(String) : [],
            }
          : next.verification,
        usage: usage ? { tokensIn: num(usage.tokensIn), tokensOut: num(usage.tokensOut), costUsd: num(usage.costUsd), calls: num(usage.calls) } : next.usage,
      };
    }
    default:
      return next;
  }
}

export function applyRunEvents(state: RunEventState, events: readonly RunEvent[]): RunEventState {
  return events.reduce(applyRunEvent, state);
}

/**
 * Steps in layers: a step sits one layer after the deepest step it depends on, so the graph reads left to
 * right in the order the orchestrator may run them (steps of one layer can run in parallel).
 */
export function layerSteps(steps: readonly PlanStepView[]): PlanStepView[][] {
  const byId = new Map(steps.map((step) => [step.id, step]));
  const depth = new Map<string, number>();
  const visit = (step: PlanStepView, seen: Set<string>): number => {
    const known = depth.get(step.id);
    if (known !== undefined) return known;
    if (seen.has(step.id)) return 0; // a cycle never reaches the orchestrator; guard anyway
    seen.add(step.id);
    const parents = step.dependsOn.map((id) => byId.get(id)).filter((s): s is PlanStepView => s !== undefined);
    const value = parents.length ? Math.max(...parents.map((parent) => visit(parent, seen) + 1)) : 0;
    depth.set(step.id, value);
    return value;
  };
  const layers: PlanStepView[][] = [];
  for (const step of steps) {
    const d = visit(step, new Set());
    (layers[d] ??= []).push(step);
  }
  return layers.filter(Boolean);
}
