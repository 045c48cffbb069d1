/**
 * The run event contract: every event type and its payload, once. Imported by the server (writers, the
 * projection, the original API, share links) and by the browser (the run page's fold), so it imports only
 * zod. Payload fields that older events may lack get a default, so a stored event always reads; writers
 * are typed with the parsed (output) shape, so they must give every field.
 */
import { z } from "zod";

/** Bumped whenever a payload changes shape; older stored events are upcast when read (see upcast.ts). */
export const EVENT_SCHEMA_VERSION = 2;

const stepId = z.string().nullable().default(null);
const text = z.string().default("");
const count = z.number().finite().default(0);
const nullableText = z.string().nullable().default(null);

/** A list whose malformed entries are dropped instead of failing the event (old runs keep rendering). */
function lenientList<T extends z.ZodType>(item: T) {
  return z.array(z.unknown()).default([]).transform((values) =>
    values.flatMap((value) => {
      const parsed = item.safeParse(value);
      return parsed.success ? [parsed.data as z.output<T>] : [];
    }));
}

export const ZEventPlanStep = z.object({
  id: z.string(),
  agent: z.enum(["coder", "tester", "tool"]),
  description: text,
  file: z.string().optional(),
  interface: z.string().optional(),
  depends_on: z.array(z.string()).default([]),
  group: z.number().int().optional(),
  tool_name: z.string().optional(),
  tool_params: z.record(z.string(), z.unknown()).optional(),
});
export type TEventPlanStep = z.output<typeof ZEventPlanStep>;

/** unpriced: calls to a model with no known price (their cost is unknown, not $0); absent when there were none. */
export const ZUsage = z.object({ tokensIn: count, tokensOut: count, costUsd: count, calls: count, unpriced: z.number().int().nonnegative().optional() });
export type TUsage = z.output<typeof ZUsage>;

export const ZVerdictPayload = z.object({ verdict: z.string().default("?"), reasons: z.array(z.string()).default([]) });

export const STEP_OUTCOMES = ["passed", "failed", "skipped", "cancelled", "applied"] as const;
export type TStepOutcomeStatus = (typeof STEP_OUTCOMES)[number];
export const TEST_STATUSES = ["passed", "failed", "error", "skipped"] as const;
export const VERIFICATION_OUTCOMES = ["verified", "verified_with_changed_tests", "verified_with_changed_harness", "asserted", "failed", "not_run"] as const;
export type TVerificationOutcome = (typeof VERIFICATION_OUTCOMES)[number];
/**
 * Outcomes a reviewer must look at before trusting the run: it passed only with tests or harness the model changed,
 * or nothing was executed. Never green, never remembered as a success (server/runs/events/run-status.ts maps them).
 */
export const REVIEW_OUTCOMES: readonly TVerificationOutcome[] = ["verified_with_changed_tests", "verified_with_changed_harness", "asserted", "not_run"];

/** One executed command, as the orchestrator records it and the run page shows it. */
export const ZCommandRecord = z.object({
  stepId,
  command: text,
  exitCode: z.number().nullable().default(null),
  timedOut: z.boolean().default(false),
  oomKilled: z.boolean().default(false),
  durationMs: count,
  passed: z.boolean().default(false),
  reason: z.string().optional(),
});
export type TCommandRecord = z.output<typeof ZCommandRecord>;

export const ZTestRecord = z.object({
  name: z.string().default("?"),
  classname: text,
  file: z.string().optional(),
  status: z.enum(TEST_STATUSES).catch("error"),
  /** Written (or rewritten) by the model in this run, or already in the repository. */
  origin: z.enum(["model", "repository"]).catch("repository"),
});
export type TTestRecord = z.output<typeof ZTestRecord>;

/** The final suite against the base commit's (server/orchestrator/verify-suite.ts): the three groups. */
export const ZBaselineSummary = z.object({
  regressions: z.array(z.string()).default([]),
  alreadyFailing: z.array(z.string()).default([]),
  newTests: z.array(z.object({ id: z.string(), status: z.string() })).default([]),
  fixed: z.array(z.string()).default([]),
  baselineAvailable: z.boolean().default(false),
  baselineCached: z.boolean().default(false),
  passed: z.boolean().default(false),
  reason: z.string().optional(),
});
export type TBaselineSummary = z.output<typeof ZBaselineSummary>;

/** A test or harness file the model changed during the run, with the diff against its frozen (or base) version. */
export const ZFileChangeReview = z.object({ path: z.string(), reason: text, diff: text });
export type TFileChangeReview = z.output<typeof ZFileChangeReview>;

/** The independent re-verification: a fresh container, the branch's committed tree, frozen tests, the base harness. */
export const ZIndependentRun = z.object({
  at: z.string().default(""),
  by: z.string().default("orchestrator"),
  commit: nullableText,
  tree: nullableText,
  image: nullableText,
  containerId: nullableText,
  commands: lenientList(ZCommandRecord),
  tests: lenientList(ZTestRecord),
  restoredHarness: z.array(z.string()).default([]),
  frozenTests: z.array(z.string()).default([]),
  passed: z.boolean().default(false),
  reason: z.string().optional(),
  durationMs: count,
});
export type TIndependentRun = z.output<typeof ZIndependentRun>;

export const ZVerification = z.object({
  /**
   * verified: the frozen acceptance tests passed in the independent re-run (exit code and report);
   * verified_with_changed_tests / verified_with_changed_harness: they pass only with the model's own test or harness
   * changes (needs review); asserted: nothing ran, only the critic says PASS.
   */
  outcome: z.enum(VERIFICATION_OUTCOMES).catch("not_run"),
  /** Harness changes come first: a reviewer must see them before any test result. */
  harnessChanges: lenientList(ZFileChangeReview),
  testChanges: lenientList(ZFileChangeReview),
  independent: ZIndependentRun.optional(),
  commands: lenientList(ZCommandRecord),
  modelTestFiles: z.array(z.string()).default([]),
  testsChangedByDebugger: z.array(z.string()).default([]),
  /** The tests of the last full run (or of the last step runs when no full run happened). */
  tests: lenientList(ZTestRecord),
  baseline: ZBaselineSummary.optional(),
  summary: text,
});
export type TVerification = z.output<typeof ZVerification>;

export const ZStepOutcome = z.object({ id: z.string(), status: z.enum(STEP_OUTCOMES), reason: z.string().optional(), runs: count });

const by = z.enum(["coder", "tester", "debugger"]).or(z.string());
const editBase = { stepId, by, path: z.string().default("?"), kind: z.enum(["write", "patch", "delete"]).or(z.string()) };
const ZFileChange = z.object({ path: z.string(), kind: z.enum(["added", "modified", "deleted", "renamed"]), added: count, removed: count });

/** Every event: its type and the payload it carries. */
const PAYLOADS = {
  "run.queued": z.object({ taskId: text, prompt: text, contextFiles: z.array(z.string()).default([]), rerunOf: z.string().optional(), followUpOf: z.string().optional() }),
  /** Written in the claim's transaction; events before version 2 also carried the branch (now run.branched). */
  "run.claimed": z.object({ workerId: text, branch: z.string().optional(), baseCommit: z.string().optional() }),
  "run.branched": z.object({ branch: z.string(), baseCommit: z.string() }),
  "run.started": z.object({ task: text, settings: z.record(z.string(), z.unknown()).default({}) }),
  "run.cancel_requested": z.object({ by: text }),
  /** The run's branch was merged; `forced` when it was not verified and someone confirmed anyway (`notVerified` says what). */
  "run.merged": z.object({ by: text, forced: z.boolean().default(false), notVerified: nullableText, into: text, kind: text, commit: text }),
  /** The run's branch was pushed to the project's remote (`remote`: the URL, never with credentials). */
  "run.pushed": z.object({ by: text, remote: text, branch: text, commit: text }),
  /** A pull request (GitHub) or merge request (GitLab) of the run's branch: opened, or its state as last read. */
  /** `head`: the branch it was opened from (an earlier turn's when a follow-up updated that turn's request; absent in older events). */
  "run.pull_request": z.object({ provider: text, number: count, url: text, state: z.enum(["open", "merged", "closed"]).catch("open"), base: text, head: z.string().optional() }),
  "run.finished": z.object({
    status: z.enum(["succeeded", "failed", "cancelled", "interrupted"]).catch("failed"),
    reason: nullableText,
    verdict: ZVerdictPayload.nullable().optional(),
    verification: ZVerification.optional(),
    usage: ZUsage.optional(),
    steps: lenientList(ZStepOutcome).optional(),
  }),
  "memory.recalled": z.object({
    memories: lenientList(z.object({ runId: z.string().nullable().default(null), task: text, score: z.number().finite().nullable().catch(null) })),
    snippets: lenientList(z.object({ path: z.string().default("?"), startLine: count, endLine: count, score: z.number().finite().nullable().catch(null) })),
  }),
  "memory.unavailable": z.object({ error: text }),
  "memory.remembered": z.object({}),
  "plan.started": z.object({ given: z.boolean().default(false) }),
  "plan.created": z.object({ steps: lenientList(ZEventPlanStep), repaired: z.boolean().default(false) }),
  /** Plan review: the run stopped after planning and holds no worker until someone approves or rejects (or `expiresAt` passes). */
  "plan.awaiting_approval": z.object({ expiresAt: text }),
  /** The plan as approved (edited or not): the run is queued again and a worker executes exactly these steps. */
  "plan.approved": z.object({ by: text, edited: z.boolean().default(false), steps: lenientList(ZEventPlanStep) }),
  /** The plan was rejected (run.finished follows); `reason` as the reviewer wrote it. */
  "plan.rejected": z.object({ by: text, reason: text }),
  "step.started": z.object({ stepId: z.string(), agent: text, description: text, file: nullableText }),
  /** One sandbox run of a code step (1 = the first run, 2 = after the first debug round, ...). */
  "step.running": z.object({ stepId: z.string(), sandboxRun: count, testPaths: z.array(z.string()).default([]) }),
  "step.committed": z.object({ stepId: z.string(), commit: z.string() }),
  "step.commit_failed": z.object({ stepId: z.string(), error: text }),
  "step.finished": z.object({ stepId: z.string(), status: z.enum(STEP_OUTCOMES).catch("failed"), reason: nullableText, runs: count }),
  /** One debug round of a code step (1-based, `of` is the cap). */
  "debug.started": z.object({ stepId: z.string(), attempt: count, of: count, reason: z.string().optional() }),
  "edit.applied": z.object({
    ...editBase,
    changes: lenientList(ZFileChange),
    diff: z.string().optional(),
    content: z.string().optional(),
    /** Why this file is part of the test harness (server/orchestrator/harness-files.ts); absent: it is not. */
    harness: z.string().optional(),
    /** A tester's file: true when it was written without seeing the step's code (a new file, designed alongside the coder). */
    independent: z.boolean().optional(),
  }),
  "edit.rejected": z.object({ ...editBase, error: text }),
  "sandbox.command": ZCommandRecord.extend({
    stdout: text,
    stderr: text,
    summary: z.object({ passed: count, failed: count, errors: count, skipped: count }).optional(),
  }),
  /** A test command's new output while it runs (at most one a second, each bounded; skippedBytes left out); sandbox.command closes it. */
  "sandbox.output": z.object({ stepId, command: text, stdout: text, stderr: text, skippedBytes: count }),
  "test.result": ZTestRecord.extend({ stepId, message: z.string().optional(), durationMs: z.number().optional() }),
  "tool.executed": z.object({ stepId, name: text, command: z.string().nullable().optional(), ok: z.boolean().default(false), exitCode: z.number().nullable().default(null), output: text }),
  "llm.tokens": z.object({ stepId, role: z.string().default("agent"), text }),
  "llm.call": z.object({
    stepId,
    model: z.string().optional(),
    role: z.string().optional(),
    tokensIn: count,
    tokensOut: count,
    costUsd: count,
    latencyMs: z.number().optional(),
    attempts: z.number().optional(),
    estimated: z.boolean().optional(),
    /** false: the price table has no price for this model, so costUsd is 0 for want of a price. */
    priced: z.boolean().optional(),
  }),
  /** A model stream broke after sending text and is retried: readers drop the last discardedChars of that pane. */
  "llm.discarded": z.object({ stepId, role: z.string().default("agent"), attempt: count, reason: text, discardedChars: count }),
  "agent.repair": z.object({ stepId, role: z.string().default("agent"), error: text }),
  "budget.exceeded": z.object({ kind: z.enum(["tokens", "cost"]).or(z.string()), limit: count, used: count, message: text }),
  // coveredByStep: the final run was skipped, that step's passing run having run every test file on the same tree.
  "verification.started": z.object({ suite: z.string().optional(), coveredByStep: z.string().optional() }),
  "verification.baseline": ZBaselineSummary,
  /** Tests of the repository's suite that finished since the last one (from the runner's per-test lines), with running counts. */
  "verification.progress": z.object({
    tests: z.array(z.object({ name: text, status: z.enum(["passed", "failed", "skipped"]).or(z.string()) })).default([]),
    passed: count,
    failed: count,
    skipped: count,
  }),
  /** A model-written test file as frozen before its first sandbox run: the acceptance test a later Re-verify uses. */
  "acceptance.frozen": z.object({ path: z.string(), content: text }),
  /** Someone asked for the independent re-verification of the finished run's branch head again ("Re-verify"). */
  "verification.reverify_started": z.object({ by: text }),
  /** Its record, appended: earlier records stay (the run's own one in run.finished, earlier re-runs here). */
  "verification.reverified": ZIndependentRun,
  /** The run waits for its project's environment image, built by another run or a rebuild. */
  "environment.waiting": z.object({ reason: text }),
  /** This run builds the project's environment image (a setup container with network). */
  "environment.building": z.object({ trigger: text }),
  "environment.ready": z.object({ language: text, framework: text, image: text, built: z.boolean().default(false), testCommand: z.string().nullable().default(null) }),
  /** A pip_install / npm_install step: the manifest is edited and the environment image rebuilt (setup container with network). */
  "environment.changing": z.object({ stepId, tool: text, packages: z.array(z.string()).default([]) }),
  /** The rebuilt image the run continues on (offline, a fresh sandbox); `files` are the manifests written and committed. */
  "environment.changed": z.object({ stepId, tool: text, packages: z.array(z.string()).default([]), image: text, built: z.boolean().default(true), durationMs: count, files: z.array(z.string()).default([]) }),
  /** The change could not be made (refused, or the setup failed: its log's tail); nothing was written, the image stays. */
  "environment.change_failed": z.object({ stepId, tool: text, packages: z.array(z.string()).default([]), error: text, log: z.string().default("") }),
  verdict: ZVerdictPayload,
  /** The repository went into the run's sandbox (one tar stream); links out of it were left out. */
  "sandbox.seeded": z.object({ files: count, bytes: count, limitBytes: count, skippedLinks: z.array(z.string()).default([]), durationMs: count }),
} as const;

/**
 * Set by the event log when it had to escape NUL bytes or lone surrogates (server/runs/storable-payload.ts):
 * the dotted paths of the changed fields, so a reader can tell an escape from text that looked like one.
 */
const ZEscaped = { escaped: z.array(z.string()).optional() };

type WithEscaped<T> = { [K in keyof T]: T[K] extends z.ZodObject<infer S> ? z.ZodObject<S & typeof ZEscaped> : never };

export const RUN_EVENT_PAYLOADS = Object.fromEntries(
  Object.entries(PAYLOADS).map(([type, schema]) => [type, (schema as z.ZodObject).extend(ZEscaped)]),
) as unknown as WithEscaped<typeof PAYLOADS>;

export type RunEventType = keyof typeof RUN_EVENT_PAYLOADS;
export const RUN_EVENT_TYPES = Object.keys(RUN_EVENT_PAYLOADS) as RunEventType[];
export type PayloadOf<T extends RunEventType> = z.output<(typeof RUN_EVENT_PAYLOADS)[T]>;

/** The discriminated union of every event body; readers switch on `type` with an exhaustiveness check. */
export type RunEventBody = { [T in RunEventType]: { type: T; payload: PayloadOf<T> } }[RunEventType];

/** A stored event that no longer parses (a type that was removed, a corrupted payload): shown, never folded. */
export interface UnreadableEventBody {
  type: "unreadable";
  payload: { type: string; error: string };
}

export type RunEvent = (RunEventBody | UnreadableEventBody) & { seq: number; createdAt: Date };

/** What a writer appends: a valid body for one run (appendRunEvent validates it again at run time). */
export type RunEventInput = RunEventBody & { runId: string };

/** The stored row as the database and the streams carry it (the payload is parsed by readRunEvent). */
export interface StoredEvent {
  seq: number;
  type: string;
  payload: Record<string, unknown>;
  createdAt: Date;
  /** The contract version the event was written with; absent means the current one. */
  version?: number;
}

export function isRunEventType(type: string): type is RunEventType {
  return Object.hasOwn(RUN_EVENT_PAYLOADS, type);
}

/** For readers' switches: a new event type is a compile error wherever events are handled. */
export function assertNever(value: never): never {
  throw new Error(`unhandled run event: ${JSON.stringify(value)}`);
}
