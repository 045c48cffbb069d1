import { describe, expect, it } from "vitest";
import type { StoredEvent as RunEvent } from "./contract";
import { applyRunEvents, independentTestFiles, initialRunEventState, layerSteps } from "./fold-run-view";

let seq = 0;
const at = new Date("2026-01-01T00:00:00Z");
function ev(type: string, payload: Record<string, unknown> = {}): RunEvent {
  return { seq: ++seq, type, payload, createdAt: at };
}

describe("the run page's event fold", () => {
  it("shows the suite's progress and an in-run environment change", () => {
    seq = 0;
    const state = applyRunEvents(initialRunEventState, [
      ev("environment.changing", { stepId: "s1", tool: "pip_install", packages: ["./vendor/wordkit"] }),
      ev("environment.changed", { stepId: "s1", tool: "pip_install", packages: ["./vendor/wordkit"], image: "autocodeai-env:x", built: true, durationMs: 9, files: ["requirements.txt"] }),
      ev("verification.started", { suite: "pytest" }),
      ev("verification.progress", { tests: [{ name: "t::a", status: "passed" }], passed: 1, failed: 0, skipped: 0 }),
      ev("verification.progress", { tests: [{ name: "t::b", status: "failed" }, { name: "t::c", status: "passed" }], passed: 2, failed: 1, skipped: 0 }),
    ]);
    expect(state.suiteProgress).toEqual({ passed: 2, failed: 1, skipped: 0, latest: [{ name: "t::a", status: "passed" }, { name: "t::b", status: "failed" }, { name: "t::c", status: "passed" }] });
    expect(state.environment).toEqual({ state: "ready", text: "Environment rebuilt with ./vendor/wordkit (requirements.txt changed); the run continues on the new image" });
    const failed = applyRunEvents(initialRunEventState, [ev("environment.change_failed", { stepId: "s1", tool: "npm_install", packages: ["x"], error: "npm failed" })]);
    expect(failed.environment).toEqual({ state: "failed", text: "npm_install failed: npm failed" });
  });

  it("shows a running command's output as it comes, stderr in red, and drops it when the command's record arrives", () => {
    seq = 0;
    const running = applyRunEvents(initialRunEventState, [
      ev("sandbox.output", { stepId: "s1", command: "npx vitest run", stdout: "✓ adds\n", stderr: "" }),
      ev("sandbox.output", { stepId: "s1", command: "npx vitest run", stdout: "", stderr: "warn\n", skippedBytes: 0 }),
      ev("sandbox.output", { stepId: "s1", command: "npx vitest run", stdout: "✓ last\n", skippedBytes: 9000 }),
    ]);
    expect(running.live).toEqual({ stepId: "s1", command: "npx vitest run", output: "✓ adds\n\u001b[31mwarn\n\u001b[0m\n… 9000 bytes not shown …\n✓ last\n" });
    // Another command starts its own pane.
    const next = applyRunEvents(running, [ev("sandbox.output", { stepId: null, command: "npx vitest run", stdout: "final\n" })]);
    expect(next.live).toEqual({ stepId: null, command: "npx vitest run", output: "final\n" });
    const done = applyRunEvents(next, [ev("sandbox.command", { stepId: null, command: "npx vitest run", exitCode: 0, passed: true, durationMs: 5, stdout: "final\n" })]);
    expect(done.live).toBeNull();
    expect(done.commands).toHaveLength(1);
  });

  it("counts calls to models without a price, so the page says the cost is unknown", () => {
    seq = 0;
    const priced = applyRunEvents(initialRunEventState, [ev("run.started"), ev("llm.call", { tokensIn: 5, costUsd: 0.02, priced: true })]);
    expect(priced.usage).toEqual({ tokensIn: 5, tokensOut: 0, costUsd: 0.02, calls: 1 });
    const mixed = applyRunEvents(priced, [ev("llm.call", { tokensIn: 7, priced: false }), ev("llm.call", { tokensIn: 1, priced: false })]);
    expect(mixed.usage).toEqual({ tokensIn: 13, tokensOut: 0, costUsd: 0.02, calls: 3, unpriced: 2 });
    // The orchestrator's final total carries no prices; the count survives it.
    const finished = applyRunEvents(mixed, [ev("run.finished", { status: "failed", usage: { tokensIn: 13, tokensOut: 0, costUsd: 0.02, calls: 3 } })]);
    expect(finished.usage).toEqual({ tokensIn: 13, tokensOut: 0, costUsd: 0.02, calls: 3, unpriced: 2 });
  });

  it("follows a run from plan to verified finish", () => {
    seq = 0;
    const events = [
      ev("run.queued", { prompt: "p" }),
      ev("run.started"),
      ev("plan.started"),
      ev("plan.created", { steps: [{ id: "s1", agent: "coder", description: "write", file: "calc.py", depends_on: [] }, { id: "s2", agent: "tester", description: "test", depends_on: ["s1"], group: 2 }] }),
      ev("step.started", { stepId: "s1" }),
      ev("llm.call", { stepId: "s1", tokensIn: 100, tokensOut: 20, costUsd: 0.01 }),
      ev("sandbox.command", { stepId: "s1", command: "pytest", exitCode: 1, passed: false, durationMs: 500, stdout: "x".repeat(10_000) }),
      ev("test.result", { stepId: "s1", name: "test_add", classname: "test_calc", status: "failed", origin: "model" }),
      ev("debug.started", { stepId: "s1", attempt: 1, of: 3 }),
      ev("test.result", { stepId: "s1", name: "test_add", classname: "test_calc", status: "passed", origin: "model" }),
      ev("step.finished", { stepId: "s1", status: "passed" }),
      ev("verdict", { verdict: "PASS", reasons: ["ok"] }),
      ev("run.finished", { status: "succeeded", verdict: { verdict: "PASS", reasons: ["ok"] }, usage: { tokensIn: 100, tokensOut: 20, costUsd: 0.01, calls: 1 }, verification: { outcome: "verified", summary: "Verified by execution", commands: [{}], tests: [{ origin: "model", status: "passed" }, { origin: "repository", status: "failed" }] } }),
    ];
    const state = applyRunEvents(initialRunEventState, events);
    expect(state.phase).toBe("finished");
    expect(state.steps.map((s) => [s.id, s.status, s.attempts])).toEqual([["s1", "succeeded", 1], ["s2", "skipped", 0]]);
    expect(state.steps[1]).toMatchObject({ dependsOn: ["s1"], group: 2 });
    expect(state.commands[0]).toMatchObject({ exitCode: 1, passed: false });
    expect(state.commands[0]!.stdout.length).toBe(4000);
    expect(state.tests).toEqual([expect.objectContaining({ name: "test_add", status: "passed", origin: "model" })]);
    expect(state.verification).toMatchObject({ outcome: "verified", modelTests: { passed: 1, total: 1 }, repositoryTests: { passed: 0, total: 1 } });
    expect(state.usage).toEqual({ tokensIn: 100, tokensOut: 20, costUsd: 0.01, calls: 1 });
    expect(state).toMatchObject({ lastSeq: events.length, repeated: 0, missing: 0 });
  });

  it("marks the tests a step's tester designed without seeing the code, and only those", () => {
    seq = 0;
    const state = applyRunEvents(initialRunEventState, [
      ev("plan.created", { steps: [{ id: "s1", agent: "coder", description: "new", file: "calc.py", depends_on: [] }, { id: "s2", agent: "coder", description: "old", file: "app.py", depends_on: [] }] }),
      ev("edit.applied", { stepId: "s1", path: "calc.py", by: "coder", kind: "write", changes: [] }),
      ev("edit.applied", { stepId: "s1", path: "tests/test_calc.py", by: "tester", kind: "write", changes: [], independent: true }),
      // A debugger's later rewrite of the same file does not name it twice.
      ev("edit.applied", { stepId: "s1", path: "tests/test_calc.py", by: "debugger", kind: "write", changes: [] }),
      ev("edit.applied", { stepId: "s1", path: "tests/test_calc.py", by: "tester", kind: "write", changes: [], independent: true }),
      // An existing file's tester saw the code: no mark.
      ev("edit.applied", { stepId: "s2", path: "tests/test_app.py", by: "tester", kind: "write", changes: [] }),
    ]);
    expect(state.edits.map((e) => [e.path, e.by, e.independent])).toEqual([
      ["calc.py", "coder", false],
      ["tests/test_calc.py", "tester", true],
      ["tests/test_calc.py", "debugger", false],
      ["tests/test_calc.py", "tester", true],
      ["tests/test_app.py", "tester", false],
    ]);
    expect(independentTestFiles(state.edits, "s1")).toEqual(["tests/test_calc.py"]);
    expect(independentTestFiles(state.edits, "s2")).toEqual([]);
  });

  it("counts repeated and missing events instead of folding them twice", () => {
    seq = 0;
    const [a, b, c, d] = [ev("run.started"), ev("llm.call", { tokensIn: 5 }), ev("plan.started"), ev("llm.call", { tokensIn: 7 })];
    const state = applyRunEvents(initialRunEventState, [a!, b!, b!, d!]);
    expect(state.usage.tokensIn).toBe(12);
    expect(state).toMatchObject({ repeated: 1, missing: 1, lastSeq: d!.seq });
    expect(c!.seq).toBe(3);
  });

  it("lays steps out by dependency depth", () => {
    const step = (id: string, dependsOn: string[]) => ({ id, agent: "coder", description: "", file: null, dependsOn, group: null, toolName: null, status: "pending" as const, reason: null, attempts: 0, commit: null });
    const layers = layerSteps([step("a", []), step("b", []), step("c", ["a", "b"]), step("d", ["c"]), step("e", ["a"])]);
    expect(layers.map((layer) => layer.map((s) => s.id))).toEqual([["a", "b"], ["c", "e"], ["d"]]);
  });
});

describe("what the planner was told", () => {
  it("keeps the recalled memories and snippets, ignoring malformed entries", () => {
    seq = 0;
    const state = applyRunEvents(initialRunEventState, [
      ev("run.started"),
      ev("memory.recalled", {
        memories: [{ runId: "r1", task: "Add subtract()", score: 0.82 }, "junk"],
        snippets: [{ path: "calc.py", startLine: 1, endLine: 12, score: 0.5 }, null],
      }),
    ]);
    expect(state.recalled).toEqual({
      memories: [{ runId: "r1", task: "Add subtract()", score: 0.82 }],
      snippets: [{ path: "calc.py", startLine: 1, endLine: 12, score: 0.5 }],
    });
    expect(applyRunEvents(initialRunEventState, []).recalled).toBeNull();
  });
});
