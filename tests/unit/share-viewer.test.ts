import { describe, expect, it } from "vitest";
import { forShareViewer, HIDDEN_EVENT_TYPE, SHARE_EVENT_FIELDS } from "@/server/share/share-event-fields";

const at = new Date();
const secret = { secret: "other-run-id", userId: "user-1" };
const command = { stepId: "s1", command: "pytest -q", exitCode: 0, timedOut: false, oomKilled: false, durationMs: 5, passed: true, reason: "ok", ...secret };
const test = { stepId: "s1", name: "test_add", classname: "test_calc", file: "test_calc.py", status: "passed", origin: "model", message: null, durationMs: 1, ...secret };

const baseline = { regressions: ["t::a"], alreadyFailing: ["t::b"], newTests: [{ id: "t::c", status: "passed" }], fixed: [], baselineAvailable: true, baselineCached: false, passed: false, reason: "regression: t::a" };

/** Every event type as the orchestrator, the runner and the services emit it, each with fields a stranger must not get. */
const emitted: Record<string, Record<string, unknown>> = {
  "run.queued": { taskId: "task-1", prompt: "Write add", contextFiles: ["a.py"], rerunOf: "run-0", ...secret },
  "run.claimed": { workerId: "host:42:ab", branch: "autocode/run-x", baseCommit: "abc", ...secret },
  "run.branched": { branch: "autocode/run-x", baseCommit: "abc", ...secret },
  "run.started": { task: "Write add", settings: { maxDebugAttempts: 3, maxParallelWorkers: 3, parallel: true, tokenBudget: 1, costBudgetUsd: 1, enableToolUse: true, memoryTopK: 3, snippetsTopK: 5, ...secret }, ...secret },
  "memory.recalled": { memories: [{ runId: "run-of-someone-else", task: "their prompt", score: 0.9 }], snippets: [{ path: "secret/file.py", startLine: 1, endLine: 2, score: 1 }] },
  "memory.unavailable": { error: "connect ECONNREFUSED chroma.internal:8000" },
  "memory.remembered": { ...secret },
  "plan.started": { given: false, ...secret },
  "plan.created": { steps: [{ id: "s1", agent: "tool", description: "clone", file: "a.py", depends_on: [], group: 0, tool_name: "git_clone", tool_params: { url: "https://token@host/x" }, ...secret }], repaired: false, ...secret },
  "step.started": { stepId: "s1", agent: "coder", description: "d", file: "a.py", ...secret },
  "step.running": { stepId: "s1", run: 1, testPaths: ["test_a.py"], ...secret },
  "step.committed": { stepId: "s1", commit: "def", ...secret },
  "step.commit_failed": { stepId: "s1", error: "fatal: /data/projects/p/repo", ...secret },
  "step.finished": { stepId: "s1", status: "passed", reason: null, runs: 1, ...secret },
  "edit.applied": { stepId: "s1", by: "coder", path: "a.py", kind: "write", changes: [{ path: "a.py", kind: "added", added: 1, removed: 0, ...secret }], content: "x = 1\n", ...secret },
  "edit.rejected": { stepId: "s1", by: "coder", path: "a.py", kind: "patch", error: "hunk does not apply", ...secret },
  "sandbox.command": { ...command, stdout: "ok", stderr: "", summary: { passed: 1, failed: 0, errors: 0, skipped: 0, ...secret } },
  "sandbox.output": { stepId: "s1", command: "npx vitest run", stdout: "✓ adds", stderr: "", skippedBytes: 0, ...secret },
  "test.result": test,
  "debug.started": { stepId: "s1", attempt: 1, of: 3, reason: "failed", ...secret },
  "tool.executed": { stepId: "s1", name: "git_clone", command: "git clone x", ok: true, exitCode: 0, output: "done", ...secret },
  "llm.tokens": { stepId: "s1", role: "coder", text: "def add", ...secret },
  "llm.call": { stepId: "s1", model: "m1", role: "coder", tokensIn: 1, tokensOut: 2, latencyMs: 3, costUsd: 0, attempts: 1, estimated: false, ...secret },
  "llm.discarded": { stepId: "s1", role: "coder", attempt: 1, reason: "connect ECONNRESET llm.internal:4000", discardedChars: 10, ...secret },
  "agent.repair": { stepId: null, role: "planner", error: "not JSON", ...secret },
  "budget.exceeded": { kind: "tokens", limit: 1, used: 2, message: "budget", ...secret },
  "verification.started": { suite: "npx vitest run", ...secret },
  "verification.baseline": { ...baseline, ...secret },
  "environment.waiting": { reason: "being built", ...secret },
  "environment.building": { trigger: "first run", ...secret },
  "environment.ready": { language: "node", framework: "vitest", image: "autocodeai-env:abc", built: true, testCommand: "npx vitest run", ...secret },
  "environment.changing": { stepId: "s1", tool: "npm_install", packages: ["ms"], ...secret },
  "verification.progress": { tests: [{ name: "t::a", status: "passed", ...secret }], passed: 1, failed: 0, skipped: 0, ...secret },
  "environment.changed": { stepId: "s1", tool: "npm_install", packages: ["ms"], image: "autocodeai-env:def", built: true, durationMs: 5, files: ["package.json"], ...secret },
  "environment.change_failed": { stepId: "s1", tool: "pip_install", packages: ["x"], error: "the setup failed", log: "GET https://registry.internal/x", ...secret },
  verdict: { verdict: "PASS", reasons: ["fine"], ...secret },
  "acceptance.frozen": { path: "test_a.py", content: "def test_a():\n    pass\n", ...secret },
  "verification.reverify_started": { by: "user-1", ...secret },
  "verification.reverified": { at: "2026-12-01T00:00:00.000Z", by: "user-1", commit: "abc", tree: "def", image: "sha256:1", containerId: "c1", commands: [command], tests: [test], restoredHarness: [], frozenTests: ["test_a.py"], passed: true, durationMs: 5, ...secret },
  "run.cancel_requested": { by: "user-1" },
  "run.merged": { by: "user-1", forced: true, notVerified: "the run failed", into: "main", kind: "fast-forward", commit: "abc", ...secret },
  "plan.awaiting_approval": { expiresAt: "2026-12-02T00:00:00.000Z", ...secret },
  "plan.approved": { by: "user-1", edited: true, steps: [{ id: "s1", agent: "coder", description: "add", file: "a.py", depends_on: [], group: 0, ...secret }], ...secret },
  "plan.rejected": { by: "user-1", reason: "too broad", ...secret },
  "run.pushed": { by: "user-1", remote: "https://git.internal/team/x.git", branch: "autocode/run-x", commit: "abc", ...secret },
  "run.pull_request": { provider: "github", number: 7, url: "https://ghe.internal/team/x/pull/7", state: "open", base: "main", ...secret },
  "run.finished": {
    status: "succeeded",
    reason: null,
    verdict: { verdict: "PASS", reasons: [], ...secret },
    verification: { outcome: "verified", commands: [command], modelTestFiles: ["test_a.py"], testsChangedByDebugger: [], tests: [test], summary: "ok", ...secret },
    usage: { tokensIn: 1, tokensOut: 2, costUsd: 0, calls: 1, ...secret },
    steps: [{ id: "s1", status: "passed", runs: 1, ...secret }],
    ...secret,
  },
};

const shownCommand = { stepId: "s1", command: "pytest -q", exitCode: 0, timedOut: false, oomKilled: false, durationMs: 5, passed: true, reason: "ok" };
const shownTest = { stepId: "s1", name: "test_add", classname: "test_calc", file: "test_calc.py", status: "passed", origin: "model", message: null, durationMs: 1 };

/** Exactly what a stranger with the link receives, per event type. */
const shown: Record<string, Record<string, unknown>> = {
  "run.queued": { prompt: "Write add", contextFiles: ["a.py"] },
  "run.claimed": { branch: "autocode/run-x", baseCommit: "abc" },
  "run.branched": { branch: "autocode/run-x", baseCommit: "abc" },
  "run.started": { task: "Write add", settings: { maxDebugAttempts: 3, maxParallelWorkers: 3, parallel: true, tokenBudget: 1, costBudgetUsd: 1, enableToolUse: true } },
  "memory.recalled": {},
  "memory.unavailable": {},
  "memory.remembered": {},
  "plan.started": { given: false },
  "plan.created": { steps: [{ id: "s1", agent: "tool", description: "clone", file: "a.py", depends_on: [], group: 0, tool_name: "git_clone" }], repaired: false },
  "step.started": { stepId: "s1", agent: "coder", description: "d", file: "a.py" },
  "step.running": { stepId: "s1", run: 1, testPaths: ["test_a.py"] },
  "step.committed": { stepId: "s1", commit: "def" },
  "step.commit_failed": { stepId: "s1", error: "The step's changes could not be committed." },
  "step.finished": { stepId: "s1", status: "passed", reason: null, runs: 1 },
  "edit.applied": { stepId: "s1", by: "coder", path: "a.py", kind: "write", changes: [{ path: "a.py", kind: "added", added: 1, removed: 0 }], content: "x = 1\n" },
  "edit.rejected": { stepId: "s1", by: "coder", path: "a.py", kind: "patch", error: "hunk does not apply" },
  "sandbox.command": { ...shownCommand, stdout: "ok", stderr: "", summary: { passed: 1, failed: 0, errors: 0, skipped: 0 } },
  "sandbox.output": { stepId: "s1", command: "npx vitest run", stdout: "✓ adds", stderr: "", skippedBytes: 0 },
  "test.result": shownTest,
  "debug.started": { stepId: "s1", attempt: 1, of: 3, reason: "failed" },
  "tool.executed": { stepId: "s1", name: "git_clone", command: "git clone x", ok: true, exitCode: 0, output: "done" },
  "llm.tokens": { stepId: "s1", role: "coder", text: "def add" },
  "llm.call": { stepId: "s1", model: "m1", role: "coder", tokensIn: 1, tokensOut: 2, costUsd: 0, latencyMs: 3, estimated: false },
  "llm.discarded": { stepId: "s1", role: "coder", attempt: 1, discardedChars: 10 },
  "agent.repair": { stepId: null, role: "planner", error: "not JSON" },
  "budget.exceeded": { kind: "tokens", limit: 1, used: 2, message: "budget" },
  "verification.started": { suite: "npx vitest run" },
  "verification.baseline": baseline,
  "environment.waiting": { reason: "being built" },
  "environment.building": { trigger: "first run" },
  "environment.ready": { language: "node", framework: "vitest", built: true, testCommand: "npx vitest run" },
  "environment.changing": { stepId: "s1", tool: "npm_install", packages: ["ms"] },
  "verification.progress": { tests: [{ name: "t::a", status: "passed" }], passed: 1, failed: 0, skipped: 0 },
  "environment.changed": { stepId: "s1", tool: "npm_install", packages: ["ms"], built: true, durationMs: 5, files: ["package.json"] },
  "environment.change_failed": { stepId: "s1", tool: "pip_install", packages: ["x"], error: "the setup failed" },
  verdict: { verdict: "PASS", reasons: ["fine"] },
  "acceptance.frozen": { path: "test_a.py", content: "def test_a():\n    pass\n" },
  "verification.reverify_started": {},
  "verification.reverified": { at: "2026-12-01T00:00:00.000Z", commit: "abc", tree: "def", image: "sha256:1", containerId: "c1", commands: [shownCommand], tests: [shownTest], restoredHarness: [], frozenTests: ["test_a.py"], passed: true, durationMs: 5 },
  "run.cancel_requested": {},
  "run.merged": { forced: true, notVerified: "the run failed", into: "main", kind: "fast-forward", commit: "abc" },
  "plan.awaiting_approval": { expiresAt: "2026-12-02T00:00:00.000Z" },
  "plan.approved": { edited: true, steps: [{ id: "s1", agent: "coder", description: "add", file: "a.py", depends_on: [], group: 0 }] },
  "plan.rejected": { reason: "too broad" },
  "run.pushed": { branch: "autocode/run-x", commit: "abc" },
  "run.pull_request": { provider: "github", number: 7, state: "open", base: "main" },
  "run.finished": {
    status: "succeeded",
    reason: null,
    verdict: { verdict: "PASS", reasons: [] },
    verification: { outcome: "verified", commands: [shownCommand], modelTestFiles: ["test_a.py"], testsChangedByDebugger: [], tests: [shownTest], summary: "ok" },
    usage: { tokensIn: 1, tokensOut: 2, costUsd: 0, calls: 1 },
    steps: [{ id: "s1", status: "passed", runs: 1 }],
  },
};

describe("what a share link shows of the record (an allow-list)", () => {
  it("gives a stranger exactly the listed fields of every event type", () => {
    expect(Object.keys(shown).sort()).toEqual(Object.keys(SHARE_EVENT_FIELDS).sort());
    for (const [type, payload] of Object.entries(emitted)) {
      expect({ type, payload: forShareViewer({ seq: 1, type, payload, createdAt: at }).payload }).toEqual({ type, payload: shown[type] });
    }
  });

  it("shows an event type nobody listed as a bare placeholder, so its seq stays but nothing else", () => {
    const event = forShareViewer({ seq: 7, type: "worker.debug", payload: { hostPath: "/srv/data" }, createdAt: at });
    expect(event).toEqual({ seq: 7, type: HIDDEN_EVENT_TYPE, payload: {}, createdAt: at });
    expect(forShareViewer({ seq: 8, type: "toString", payload: { a: 1 }, createdAt: at }).type).toBe(HIDDEN_EVENT_TYPE);
  });

  it("passes only primitives where a field is listed as a value, never an object smuggled in its place", () => {
    const event = forShareViewer({ seq: 1, type: "llm.tokens", payload: { text: { runId: "other" }, role: ["coder", { x: 1 }] }, createdAt: at });
    expect(event.payload).toEqual({});
  });

  it("keeps the marker of escaped text", () => {
    const event = forShareViewer({ seq: 1, type: "llm.tokens", payload: { text: "a\\u0000b", escaped: ["text"] }, createdAt: at });
    expect(event.payload).toEqual({ text: "a\\u0000b", escaped: ["text"] });
  });
});
