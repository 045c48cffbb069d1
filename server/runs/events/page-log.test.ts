import { describe, expect, it } from "vitest";
import { TokenStore } from "@/components/runs/token-store";
import { routeTokens } from "@/components/runs/use-run-event-log";
import type { StoredEvent } from "./contract";
import { applyRunEvents, initialRunEventState } from "./fold-run-view";
import { compactPageLog } from "./page-log";
import { readRunEvent } from "./read-run-event";
import { MAX_VISIBLE_CHARS } from "./token-text";

const at = new Date("2026-01-01T00:00:00Z");
const log = (bodies: Array<[string, Record<string, unknown>]>, from = 1): StoredEvent[] => bodies.map(([type, payload], i) => ({ seq: from + i, type, payload, createdAt: at, version: 2 }));

/** What the page shows from a log: its fold, and each token pane's text in pane order (as useRunEventLog routes them). */
function page(events: StoredEvent[]) {
  const tokens = new TokenStore();
  for (const stored of events) routeTokens(tokens, readRunEvent(stored));
  const panes = tokens.getPanes().map((pane) => {
    const element = { textContent: "" } as HTMLElement;
    tokens.bind(pane.key, element);
    return [pane.key, element.textContent];
  });
  return { state: applyRunEvents(initialRunEventState, events), panes };
}

const chunk = (i: number) => `${String(i).padStart(5, "0")} `.repeat(25);

describe("a page's log made light (compactPageLog)", () => {
  const bodies: Array<[string, Record<string, unknown>]> = [
    ["run.started", { task: "t", settings: {} }],
    ["llm.discarded", { stepId: "s1", role: "coder", attempt: 1, reason: "cut", discardedChars: 10 }],
    ...Array.from({ length: 300 }, (_, i): [string, Record<string, unknown>] => ["llm.tokens", { stepId: i % 3 === 0 ? "s1" : null, role: i % 3 === 0 ? "coder" : "planner", text: chunk(i) }]),
    ["llm.discarded", { stepId: "s1", role: "coder", attempt: 1, reason: "cut", discardedChars: 75 }],
    ["llm.tokens", { stepId: "s1", role: "coder", text: "retried answer" }],
    ["sandbox.output", { stepId: "s1", command: "pytest", stdout: "collected 2 items\n", stderr: "", skippedBytes: 0 }],
    ["sandbox.output", { stepId: "s1", command: "pytest", stdout: "x".repeat(9_000), stderr: "warn", skippedBytes: 12 }],
    ["sandbox.command", { stepId: "s1", command: "pytest", exitCode: 1, passed: false, durationMs: 500, stdout: `${"y".repeat(20_000)}the end`, stderr: "e".repeat(5_000) }],
    ["sandbox.output", { stepId: "s1", command: "pytest -x", stdout: "still running\n", stderr: "", skippedBytes: 3 }],
  ];

  it("keeps every event and seq, and the page's fold and token panes are the same", () => {
    const events = log(bodies);
    const light = compactPageLog(events);
    expect(light.map((e) => [e.seq, e.type])).toEqual(events.map((e) => [e.seq, e.type]));
    expect(page(light)).toEqual(page(events));
    expect(page(events).state.missing).toBe(0);
    // The coder's pane overflowed its buffer: its first event carries the kept tail, its later ones nothing.
    const coder = page(events).panes.find(([key]) => key === "s1:coder")![1]!;
    expect(coder.length).toBeLessThanOrEqual(MAX_VISIBLE_CHARS);
    expect(coder.endsWith("retried answer")).toBe(true);
    expect(JSON.stringify(light).length).toBeLessThan(JSON.stringify(events).length * 0.7);
    // The live output of the command still running is kept whole.
    expect(light.at(-1)).toEqual(events.at(-1));
  });

  it("leaves the page where later events (its subscription) land on the same text", () => {
    const events = log(bodies);
    const later = log(
      [
        ["llm.tokens", { stepId: "s1", role: "coder", text: " and more" }],
        ["llm.discarded", { stepId: null, role: "planner", attempt: 2, reason: "cut", discardedChars: 30 }],
        ["sandbox.output", { stepId: "s1", command: "pytest -x", stdout: "done\n", stderr: "", skippedBytes: 0 }],
        ["sandbox.command", { stepId: "s1", command: "pytest -x", exitCode: 0, passed: true, durationMs: 50, stdout: "ok", stderr: "" }],
      ],
      events.length + 1,
    );
    expect(page([...compactPageLog(events), ...later])).toEqual(page([...events, ...later]));
  });

  it("changes nothing in a log with nothing to cut", () => {
    const events = log([
      ["run.started", { task: "t", settings: {} }],
      ["llm.tokens", { stepId: null, role: "planner", text: "plan" }],
      ["sandbox.command", { stepId: null, command: "pytest", exitCode: 0, passed: true, durationMs: 5, stdout: "ok", stderr: "" }],
    ]);
    expect(compactPageLog(events)).toEqual(events);
  });
});
