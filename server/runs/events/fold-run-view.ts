/**
 * The run page's picture of a run, folded from its ordered event log: the run record (foldRunRecord, the
 * same fold the server stores) plus what only the page shows (commands, tests, edits, notes, recalled
 * context). Pure, so the owner's page and a share link agree, and replays of any prefix give the same picture.
 */
import { assertNever, type RunEvent, type StoredEvent, type TEventPlanStep, type TBaselineSummary, type TCommandRecord, type TTestRecord, type TUsage, type TFileChangeReview, type TIndependentRun, type TVerificationOutcome } from "./contract";
import { foldRunRecord, initialRunRecord, type RunRecord, type StepView } from "./fold-run-record";
import { foldRunTimeline, initialRunTimeline, type RunTimeline } from "./fold-run-timeline";
import { readRunEvent } from "./read-run-event";

export type { StepState } from "./fold-run-record";
export type PlanStepView = StepView;

/** A sandbox.command event: the orchestrator's command record plus its place in the log and its output. */
export interface CommandView extends Omit<TCommandRecord, "reason"> {
  seq: number;
  reason: string | null;
  stdout: string;
  stderr: string;
}

export interface TestView extends Omit<TTestRecord, "file"> {
  key: string;
  stepId: string | null;
  file: string | null;
  message: string | null;
  durationMs: number | null;
}

export interface VerificationView {
  outcome: TVerificationOutcome;
  /** Shown first: the run's own changes to the test harness, then to its frozen tests, each with its diff. */
  harnessChanges: TFileChangeReview[];
  testChanges: TFileChangeReview[];
  independent: TIndependentRun | null;
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
  phase: "queued" | "starting" | "planning" | "awaiting_approval" | "executing" | "verifying" | "finished";
  record: RunRecord;
  steps: PlanStepView[];
  commands: CommandView[];
  tests: TestView[];
  /** independent: a tester's file written without seeing the step's code (the coder of a new file ran alongside). */
  edits: { seq: number; stepId: string | null; path: string; by: string; harness: string | null; independent: boolean }[];
  notes: { seq: number; tone: "info" | "warn" | "error"; text: string }[];
  verdict: { verdict: string; reasons: string[] } | null;
  verification: VerificationView | null;
  usage: TUsage;
  finished: { status: string; reason: string | null } | null;
  cancelRequested: boolean;
  recalled: RecalledContext | null;
  /** The final suite against the base commit's: regressions, already failing, new tests. */
  baseline: TBaselineSummary | null;
  /** The project environment while the run waits for it or builds it, then what it ran in. */
  environment: { state: "waiting" | "building" | "ready" | "failed"; text: string } | null;
  /** The command running now, with its output so far (sandbox.output); null once its record (sandbox.command) is in. */
  live: { stepId: string | null; command: string; output: string } | null;
  /** The repository's suite while it runs: counts so far and the last tests to finish. */
  suiteProgress: { passed: number; failed: number; skipped: number; latest: { name: string; status: string }[] } | null;
  /** Lanes and bars of the run over time (fold-run-timeline.ts). */
  timeline: RunTimeline;
  /** The plan's steps as the planner (or a reviewer) gave them, tool parameters included: what plan review edits. */
  planSteps: TEventPlanStep[];
  /** Independent re-verifications asked for after the run ("Re-verify"), oldest first; one in progress. */
  reverifications: TIndependentRun[];
  reverifying: boolean;
}

export const initialRunEventState: RunEventState = {
  lastSeq: 0,
  repeated: 0,
  missing: 0,
  phase: "queued",
  record: initialRunRecord,
  steps: [],
  commands: [],
  tests: [],
  edits: [],
  notes: [],
  verdict: null,
  verification: null,
  usage: initialRunRecord.usage,
  finished: null,
  reverifications: [],
  reverifying: false,
  cancelRequested: false,
  baseline: null,
  environment: null,
  recalled: null,
  suiteProgress: null,
  live: null,
  timeline: initialRunTimeline,
  planSteps: [],
};

/** How much of a finished command's stdout and stderr the page keeps (the end, where the failures are). */
export const MAX_OUTPUT_CHARS = 4000;

function countTests(tests: TTestRecord[], origin: TTestRecord["origin"]) {
  const mine = tests.filter((test) => test.origin === origin);
  return { passed: mine.filter((test) => test.status === "passed").length, total: mine.length };
}

/** The page-only parts of one event (the record's parts are folded by foldRunRecord). */
function foldPageParts(state: RunEventState, event: RunEvent): RunEventState {
  const note = (tone: "info" | "warn" | "error", text: string) => ({ ...state, notes: [...state.notes, { seq: event.seq, tone, text }] });
  switch (event.type) {
    case "run.claimed":
    case "run.started":
      return { ...state, phase: "starting" };
    case "plan.started":
      return { ...state, phase: "planning" };
    case "plan.created":
      return { ...state, phase: "executing", planSteps: event.payload.steps };
    case "plan.awaiting_approval":
      return { ...state, phase: "awaiting_approval" };
    case "plan.approved":
      return { ...note("info", `Plan ${event.payload.edited ? "edited and approved" : "approved"}; the run continues when a worker is free.`), phase: "queued", planSteps: event.payload.steps };
    case "plan.rejected":
      return note("info", `The plan was rejected${event.payload.reason ? `: ${event.payload.reason}` : "."}`);
    case "verification.started":
      return { ...state, phase: "verifying" };
    case "edit.applied": {
      const { stepId, path, by, harness, independent } = event.payload;
      return { ...state, edits: [...state.edits, { seq: event.seq, stepId, path, by, harness: harness ?? null, independent: independent === true }] };
    }
    case "edit.rejected":
      return note("warn", `An edit to ${event.payload.path} was rejected: ${event.payload.error || "unknown reason"}`);
    case "memory.unavailable":
      return note("info", `Memory was not used: ${event.payload.error || "unavailable"}`);
    case "budget.exceeded":
      return note("error", event.payload.message || "The run's budget was exceeded.");
    case "sandbox.command": {
      const { stdout, stderr, summary: _summary, reason, ...record } = event.payload;
      const command: CommandView = { ...record, seq: event.seq, reason: reason ?? null, stdout: stdout.slice(-MAX_OUTPUT_CHARS), stderr: stderr.slice(-MAX_OUTPUT_CHARS) };
      return { ...state, commands: [...state.commands, command], live: null };
    }
    case "sandbox.output": {
      const { stepId, command, stdout, stderr, skippedBytes } = event.payload;
      const same = state.live?.stepId === stepId && state.live.command === command;
      // stderr in red, as the finished command's pane shows it; what was left out is said, not hidden.
      const added = `${skippedBytes > 0 ? `\n… ${skippedBytes} bytes not shown …\n` : ""}${stdout}${stderr ? `\u001b[31m${stderr}\u001b[0m` : ""}`;
      return { ...state, live: { stepId, command, output: `${same ? state.live!.output : ""}${added}`.slice(-MAX_OUTPUT_CHARS * 2) } };
    }
    case "test.result": {
      const p = event.payload;
      const test: TestView = { ...p, key: `${p.classname}::${p.name}`, file: p.file ?? null, message: p.message ?? null, durationMs: p.durationMs ?? null };
      // The latest result of a test replaces earlier ones (a debug round re-runs the same tests).
      return { ...state, tests: [...state.tests.filter((t) => t.key !== test.key), test] };
    }
    case "memory.recalled":
      return { ...state, recalled: { memories: event.payload.memories, snippets: event.payload.snippets } };
    case "run.finished": {
      const v = event.payload.verification;
      return {
        ...state,
        live: null,
        phase: "finished",
        finished: { status: event.payload.status, reason: event.payload.reason },
        verification: v
          ? {
              outcome: v.outcome,
              harnessChanges: v.harnessChanges,
              testChanges: v.testChanges,
              independent: v.independent ?? null,
              summary: v.summary,
              commands: v.commands.length,
              modelTests: countTests(v.tests, "model"),
              repositoryTests: countTests(v.tests, "repository"),
              testsChangedByDebugger: v.testsChangedByDebugger,
            }
          : state.verification,
      };
    }
    case "run.cancel_requested":
      return { ...state, cancelRequested: true };
    case "run.merged":
    case "run.queued":
    case "run.branched":
    case "memory.remembered":
    case "step.started":
    case "step.running":
    case "step.committed":
    case "step.commit_failed":
    case "step.finished":
    case "debug.started":
    case "tool.executed":
    case "llm.tokens":
    case "llm.discarded":
    case "llm.call":
    case "agent.repair":
    case "verdict":
    case "sandbox.seeded":
    case "run.pushed":
    case "run.pull_request":
    case "acceptance.frozen":
    case "unreadable":
      return state;
    case "verification.reverify_started":
      return { ...state, reverifying: true };
    case "verification.reverified":
      // Appended, never replacing: the run's own record and every earlier re-run stay visible.
      return { ...state, reverifying: false, reverifications: [...state.reverifications, event.payload] };
    case "environment.waiting":
      return { ...state, environment: { state: "waiting", text: `Waiting: ${event.payload.reason || "the project's environment is being built"}` } };
    case "environment.building":
      return { ...state, environment: { state: "building", text: `Building the project's environment (${event.payload.trigger || "first run"})…` } };
    case "environment.ready": {
      const p = event.payload;
      const where = p.language === "node" ? "Node.js/TypeScript" : "Python";
      return { ...state, environment: { state: "ready", text: `${where} environment ${p.built ? "built for this run" : "reused"}; tests: ${p.framework}` } };
    }
    case "environment.changing":
      return { ...state, environment: { state: "building", text: `Rebuilding the environment for ${event.payload.tool} ${event.payload.packages.join(" ")}…` } };
    case "environment.changed":
      return { ...state, environment: { state: "ready", text: `Environment rebuilt with ${event.payload.packages.join(" ")} (${event.payload.files.join(", ")} changed); the run continues on the new image` } };
    case "environment.change_failed":
      return { ...state, environment: { state: "failed", text: `${event.payload.tool} failed: ${event.payload.error}` } };
    case "verification.baseline":
      return { ...state, baseline: event.payload };
    case "verification.progress": {
      const p = event.payload;
      const latest = [...(state.suiteProgress?.latest ?? []), ...p.tests].slice(-5);
      return { ...state, suiteProgress: { passed: p.passed, failed: p.failed, skipped: p.skipped, latest } };
    }
    default:
      return assertNever(event);
  }
}

/** Folds one event into the state; an event already seen is counted and otherwise ignored. */
export function foldRunView(state: RunEventState, event: RunEvent): RunEventState {
  if (event.seq <= state.lastSeq) return { ...state, repeated: state.repeated + 1 };
  const missing = state.missing + Math.max(0, event.seq - state.lastSeq - 1);
  const next = foldPageParts({ ...state, lastSeq: event.seq, missing, timeline: foldRunTimeline(state.timeline, event) }, event);
  const record = foldRunRecord(state.record, event);
  if (record === state.record) return next;
  return { ...next, record, steps: record.steps, usage: record.usage, verdict: record.verdict };
}

/** The same fold over events as stored and streamed (parsed and upcast by the contract first). */
export function applyRunEvent(state: RunEventState, event: StoredEvent): RunEventState {
  return foldRunView(state, readRunEvent(event));
}

export function applyRunEvents(state: RunEventState, events: readonly StoredEvent[]): RunEventState {
  return events.reduce(applyRunEvent, state);
}

/** The test files a step's tester designed without seeing the step's code, each named once, in the order written. */
export function independentTestFiles(edits: RunEventState["edits"], stepId: string): string[] {
  return [...new Set(edits.filter((edit) => edit.stepId === stepId && edit.independent).map((edit) => edit.path))];
}

/**
 * Steps in layers: a step sits one layer after the deepest step it depends on, so the graph reads left to
 * right in the order the orchestrator may run them (steps of one layer can run in parallel).
 */
export function layerSteps<T extends { id: string; dependsOn: string[] }>(steps: readonly T[]): T[][] {
  const byId = new Map(steps.map((step) => [step.id, step]));
  const depth = new Map<string, number>();
  const visit = (step: T, seen: Set<string>): number => {
    const known = depth.get(step.id);
    if (known !== undefined) return known;
    if (seen.has(step.id)) return 0; // a cycle never reaches the orchestrator; guard anyway
    seen.add(step.id);
    const parents = step.dependsOn.map((id) => byId.get(id)).filter((s): s is T => s !== undefined);
    const value = parents.length ? Math.max(...parents.map((parent) => visit(parent, seen) + 1)) : 0;
    depth.set(step.id, value);
    return value;
  };
  const layers: T[][] = [];
  for (const step of steps) {
    const d = visit(step, new Set());
    (layers[d] ??= []).push(step);
  }
  return layers.filter(Boolean);
}
