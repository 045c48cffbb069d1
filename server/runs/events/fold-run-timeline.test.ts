import { describe, expect, it } from "vitest";
import type { StoredEvent } from "./contract";
import { applyRunEvents, initialRunEventState } from "./fold-run-view";
import { laneBars, orderedLanes } from "./fold-run-timeline";

const t0 = Date.parse("2026-01-01T00:00:00Z");
let seq = 0;
function ev(ms: number, type: string, payload: Record<string, unknown> = {}): StoredEvent {
  return { seq: ++seq, type, payload, createdAt: new Date(t0 + ms) };
}

describe("the run timeline fold", () => {
  it("puts two parallel steps in two overlapping lanes, with planner, verification and critic lanes", () => {
    seq = 0;
    const events = [
      ev(0, "run.started"),
      ev(0, "plan.started"),
      ev(2000, "llm.call", { stepId: null, role: "planner", model: "m1", tokensIn: 50, tokensOut: 10, costUsd: 0.002, latencyMs: 1500 }),
      ev(2100, "step.started", { stepId: "s1", agent: "coder", description: "Write add(a, b)", file: "a.py" }),
      ev(2200, "step.started", { stepId: "s2", agent: "coder", file: "b.py" }),
      ev(4000, "llm.call", { stepId: "s1", role: "coder", tokensIn: 100, tokensOut: 20, costUsd: 0.01, latencyMs: 1800 }),
      ev(5000, "sandbox.command", { stepId: "s1", command: "pytest", exitCode: 1, durationMs: 700 }),
      ev(5100, "debug.started", { stepId: "s1", attempt: 1, of: 3 }),
      ev(4500, "llm.call", { stepId: "s2", role: "coder", tokensIn: 90, tokensOut: 15, costUsd: 0.009, latencyMs: 2000 }),
      ev(6000, "step.finished", { stepId: "s2", status: "passed" }),
      ev(7000, "step.finished", { stepId: "s1", status: "passed" }),
      ev(7100, "verification.started"),
      ev(8000, "sandbox.command", { stepId: null, command: "pytest -q", exitCode: 0, durationMs: 800 }),
      ev(9000, "llm.call", { stepId: null, role: "critic", tokensIn: 10, tokensOut: 5, costUsd: 0.001, latencyMs: 900 }),
      ev(9100, "run.finished", { status: "succeeded" }),
    ];
    const { timeline } = applyRunEvents(initialRunEventState, events);
    const lanes = orderedLanes(timeline);
    expect(lanes.map((l) => [l.id, l.kind])).toEqual([
      ["planner", "planner"],
      ["step:s1", "step"],
      ["step:s2", "step"],
      ["verification", "verification"],
      ["critic", "critic"],
    ]);
    const [s1, s2] = [lanes[1]!, lanes[2]!];
    expect([s1.start, s1.end, s2.start, s2.end]).toEqual([2100, 7000, 2200, 6000]);
    // The step's description rides on its lane (the chart's lane tooltip says what the step does).
    expect([s1.label, s1.description, s2.description, lanes[0]!.description]).toEqual(["s1 · coder · a.py", "Write add(a, b)", null, null]);
    // Parallel: each lane starts before the other ends.
    expect(s1.start! < s2.end! && s2.start! < s1.end!).toBe(true);
    expect(laneBars(s1).map((b) => [b.kind, b.start, b.end])).toEqual([["llm", 2200, 4000], ["command", 4300, 5000]]);
    expect(laneBars(s1)[1]).toMatchObject({ exitCode: 1, label: "pytest" });
    expect(s1.debugRounds).toEqual([{ seq: 8, at: 5100, attempt: 1 }]);
    expect(laneBars(lanes[0]!)[0]).toMatchObject({ start: 500, end: 2000, model: "m1", tokensIn: 50, costUsd: 0.002 });
    expect(laneBars(lanes[3]!).map((b) => b.label)).toEqual(["pytest -q"]);
    expect(laneBars(lanes[4]!).map((b) => b.label)).toEqual(["critic"]);
    expect(timeline).toMatchObject({ finished: true, now: 9100 });
  });

  it("grows live: a prefix of the log is a timeline of what happened so far", () => {
    seq = 0;
    const events = [ev(0, "run.started"), ev(100, "step.started", { stepId: "s1", agent: "coder" }), ev(900, "llm.call", { stepId: "s1", role: "coder", latencyMs: 500 })];
    const { timeline } = applyRunEvents(initialRunEventState, events);
    expect(timeline.lanes).toEqual([expect.objectContaining({ id: "step:s1", start: 100, end: null })]);
    expect(laneBars(timeline.lanes[0]!)).toEqual([expect.objectContaining({ start: 400, end: 900 })]);
    expect(timeline.finished).toBe(false);
  });
});
