import type { RunEventType, StoredEvent } from "@/server/runs/events/contract";

/**
 * What a share link shows of a run's record: an allow-list, event type -> the fields a stranger receives.
 * `true` passes a primitive (or a list of primitives); a nested spec passes an object field by field;
 * `{ each }` a list of objects; `{ fixed }` replaces the value. Anything not listed never leaves the server,
 * so a field added to an event later stays private until someone decides otherwise here. (A field set may
 * therefore not name a field "fixed" or "each".)
 */
export type FieldSpec = true | { fixed: string } | { each: FieldSet } | FieldSet;
export interface FieldSet {
  readonly [field: string]: FieldSpec;
}

const commandFields: FieldSet = { stepId: true, command: true, exitCode: true, timedOut: true, oomKilled: true, durationMs: true, passed: true, reason: true };
const testFields: FieldSet = { stepId: true, name: true, classname: true, file: true, status: true, origin: true, message: true, durationMs: true };
const verdictFields: FieldSet = { verdict: true, reasons: true };
const usageFields: FieldSet = { tokensIn: true, tokensOut: true, costUsd: true, calls: true, unpriced: true };
/** Set by the event log when it had to escape NUL bytes or lone surrogates: which fields were changed. */
const escaped = { escaped: true } as const;

/** Event types a share link never shows (seen as HIDDEN_EVENT_TYPE): what went into the sandbox names repository files. */
export const SHARE_HIDDEN_TYPES = ["sandbox.seeded"] as const;

export const SHARE_EVENT_FIELDS = {
  // Not rerunOf or taskId: ids of other records are not part of this run.
  "run.queued": { prompt: true, contextFiles: true, ...escaped },
  // Not workerId (a worker's host). Events before contract version 2 carried the branch here.
  "run.claimed": { branch: true, baseCommit: true },
  "run.branched": { branch: true, baseCommit: true },
  "run.started": {
    task: true,
    settings: { maxDebugAttempts: true, maxParallelWorkers: true, parallel: true, tokenBudget: true, costBudgetUsd: true, enableToolUse: true, sandboxTimeoutMs: true },
    ...escaped,
  },
  // Recalled memories are other runs' prompts and ids, and snippets name repository files: none of it is shown.
  "memory.recalled": {},
  // Chroma's error text can name internal hosts.
  "memory.unavailable": {},
  "memory.remembered": {},
  "plan.started": { given: true },
  "plan.created": { steps: { each: { id: true, agent: true, description: true, file: true, depends_on: true, group: true, tool_name: true } }, repaired: true, ...escaped },
  "plan.awaiting_approval": { expiresAt: true },
  // Not who pushed, not the remote's URL (it can name a private host): the branch and commit are the run's.
  "run.pushed": { branch: true, commit: true },
  // The request's number and state; its URL can name a private host.
  "run.pull_request": { provider: true, number: true, state: true, base: true },
  // Who approved or rejected (`by`) is a user id: private; what was approved and why it was rejected are the run's.
  "plan.approved": { edited: true, steps: { each: { id: true, agent: true, description: true, file: true, depends_on: true, group: true, tool_name: true } }, ...escaped },
  "plan.rejected": { reason: true, ...escaped },
  "step.started": { stepId: true, agent: true, description: true, file: true, ...escaped },
  // `run` is the version-1 name of sandboxRun (upcast by the reader, server/runs/events/read-run-event.ts).
  "step.running": { stepId: true, sandboxRun: true, run: true, testPaths: true },
  "step.committed": { stepId: true, commit: true },
  // git's own error text names server paths.
  "step.commit_failed": { stepId: true, error: { fixed: "The step's changes could not be committed." } },
  "step.finished": { stepId: true, status: true, reason: true, runs: true, ...escaped },
  "edit.applied": {
    stepId: true,
    by: true,
    path: true,
    harness: true,
    independent: true,
    kind: true,
    changes: { each: { path: true, kind: true, added: true, removed: true } },
    diff: true,
    content: true,
    ...escaped,
  },
  // Who merged (`by`) is a user id: private.
  "acceptance.frozen": { path: true, content: true, ...escaped },
  // Who asked for a re-verification (`by`) is a user id: private; its record is not.
  "verification.reverify_started": {},
  "verification.reverified": { at: true, commit: true, tree: true, image: true, containerId: true, commands: { each: commandFields }, tests: { each: testFields }, restoredHarness: true, frozenTests: true, passed: true, reason: true, durationMs: true, ...escaped },
  "run.merged": { forced: true, notVerified: true, into: true, kind: true, commit: true },
  "edit.rejected": { stepId: true, by: true, path: true, kind: true, error: true, ...escaped },
  "sandbox.command": { ...commandFields, stdout: true, stderr: true, summary: { passed: true, failed: true, errors: true, skipped: true }, ...escaped },
  // The output a finished command's record shows too, while it runs.
  "sandbox.output": { stepId: true, command: true, stdout: true, stderr: true, skippedBytes: true, ...escaped },
  "test.result": { ...testFields, ...escaped },
  "debug.started": { stepId: true, attempt: true, of: true, reason: true, ...escaped },
  "tool.executed": { stepId: true, name: true, command: true, ok: true, exitCode: true, output: true, ...escaped },
  "llm.tokens": { stepId: true, role: true, text: true, ...escaped },
  "llm.call": { stepId: true, role: true, model: true, tokensIn: true, tokensOut: true, costUsd: true, latencyMs: true, estimated: true, priced: true },
  // The reason is the endpoint's error text, which can name internal hosts.
  "llm.discarded": { stepId: true, role: true, attempt: true, discardedChars: true },
  "agent.repair": { stepId: true, role: true, error: true, ...escaped },
  "budget.exceeded": { kind: true, limit: true, used: true, message: true },
  "verification.started": { suite: true, coveredByStep: true },
  "verification.progress": { tests: { each: { name: true, status: true } }, passed: true, failed: true, skipped: true },
  "verification.baseline": { regressions: true, alreadyFailing: true, newTests: { each: { id: true, status: true } }, fixed: true, baselineAvailable: true, baselineCached: true, passed: true, reason: true },
  // The image tag and trigger name no secret; the build log stays on the project page.
  "environment.waiting": { reason: true },
  "environment.building": { trigger: true },
  "environment.ready": { language: true, framework: true, built: true, testCommand: true },
  // The setup log's tail can show a private registry's host names: it stays with the project's members.
  "environment.changing": { stepId: true, tool: true, packages: true },
  "environment.changed": { stepId: true, tool: true, packages: true, built: true, durationMs: true, files: true },
  "environment.change_failed": { stepId: true, tool: true, packages: true, error: true },
  verdict: { ...verdictFields, ...escaped },
  // Not who asked: user ids stay with the project's members.
  "run.cancel_requested": {},
  "run.finished": {
    status: true,
    reason: true,
    verdict: verdictFields,
    verification: {
      outcome: true,
      // The changes that make a run need review are what a reviewer with the link must see (same as the diff).
      harnessChanges: { each: { path: true, reason: true, diff: true } },
      testChanges: { each: { path: true, reason: true, diff: true } },
      // Who re-ran it (`by`) stays private; what ran and where does not.
      independent: { at: true, commit: true, tree: true, image: true, containerId: true, commands: { each: commandFields }, tests: { each: testFields }, restoredHarness: true, frozenTests: true, passed: true, reason: true, durationMs: true },
      commands: { each: commandFields },
      modelTestFiles: true,
      testsChangedByDebugger: true,
      tests: { each: testFields },
      baseline: { regressions: true, alreadyFailing: true, newTests: { each: { id: true, status: true } }, fixed: true, baselineAvailable: true, baselineCached: true, passed: true, reason: true },
      summary: true,
    },
    usage: usageFields,
    steps: { each: { id: true, status: true, reason: true, runs: true } },
    ...escaped,
  },
} as const satisfies Readonly<Partial<Record<RunEventType, FieldSet>>>;

/** Every event type of the contract is either listed or hidden on purpose: a new type is a compile error here. */
type Undecided = Exclude<RunEventType, keyof typeof SHARE_EVENT_FIELDS | (typeof SHARE_HIDDEN_TYPES)[number]>;
const everyTypeDecided: [Undecided] extends [never] ? true : Undecided = true;
void everyTypeDecided;

/** The type an event not on the list is shown as: its seq stays (the stream has no gaps), nothing else. */
export const HIDDEN_EVENT_TYPE = "hidden";

type Primitive = string | number | boolean | null;
const isPrimitive = (value: unknown): value is Primitive => value === null || ["string", "number", "boolean"].includes(typeof value);
const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

function pick(value: unknown, spec: FieldSpec): unknown {
  if (spec === true) {
    if (isPrimitive(value)) return value;
    return Array.isArray(value) && value.every(isPrimitive) ? value : undefined;
  }
  if ("fixed" in spec && typeof spec.fixed === "string") return spec.fixed;
  if ("each" in spec && isRecord(spec.each)) return Array.isArray(value) ? value.map((item) => pickFields(item, spec.each as FieldSet)) : undefined;
  return pickFields(value, spec as FieldSet);
}

function pickFields(value: unknown, fields: FieldSet): Record<string, unknown> | undefined {
  if (!isRecord(value)) return undefined;
  const out: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(fields)) {
    if (!Object.hasOwn(value, name)) continue;
    const picked = pick(value[name], spec);
    if (picked !== undefined) out[name] = picked;
  }
  return out;
}

/** The event as a share viewer receives it: listed types with listed fields only. */
export function forShareViewer(event: StoredEvent): StoredEvent {
  const fields: FieldSet | undefined = Object.hasOwn(SHARE_EVENT_FIELDS, event.type) ? SHARE_EVENT_FIELDS[event.type as keyof typeof SHARE_EVENT_FIELDS] : undefined;
  if (!fields) return { seq: event.seq, type: HIDDEN_EVENT_TYPE, payload: {}, createdAt: event.createdAt };
  // The version goes along, so the viewer's page upcasts older payloads like the owner's.
  const version = event.version === undefined ? {} : { version: event.version };
  return { seq: event.seq, type: event.type, payload: pickFields(event.payload, fields) ?? {}, createdAt: event.createdAt, ...version };
}
