import { describe, expect, it } from "vitest";
import { LegacyChunker } from "@/server/legacy/legacy-chunks";
import { EVENT_SCHEMA_VERSION, RUN_EVENT_TYPES } from "./contract";
import { applyRunEvents, initialRunEventState } from "./fold-run-view";
import { parseRunEventBody, readRunEvent } from "./read-run-event";

const at = new Date(0);

describe("the run event contract", () => {
  it("upcasts a version-1 step.running (run -> sandboxRun) so old runs keep their sandbox run counts", () => {
    const plan = { seq: 1, type: "plan.created", payload: { steps: [{ id: "s1", agent: "coder", description: "d", file: "a.py" }] }, createdAt: at, version: 1 };
    const running = { seq: 2, type: "step.running", payload: { stepId: "s1", run: 2, testPaths: ["test_a.py"] }, createdAt: at, version: 1 };
    expect(readRunEvent(running)).toMatchObject({ type: "step.running", payload: { stepId: "s1", sandboxRun: 2 } });
    expect(applyRunEvents(initialRunEventState, [plan, running]).steps[0]!.sandboxRuns).toBe(2);
    expect(readRunEvent({ ...running, payload: { stepId: "s1", sandboxRun: 3 }, version: EVENT_SCHEMA_VERSION })).toMatchObject({ payload: { sandboxRun: 3 } });
  });

  it("refuses what a reader could not understand, and reads unknown stored types as unreadable", () => {
    expect(parseRunEventBody("step.finished", { stepId: 5 }).ok).toBe(false);
    expect(parseRunEventBody("bench.warmup", {})).toEqual({ ok: false, error: 'unknown event type "bench.warmup"' });
    expect(readRunEvent({ seq: 1, type: "gone.type", payload: {}, createdAt: at })).toMatchObject({ type: "unreadable", payload: { type: "gone.type" } });
    for (const type of RUN_EVENT_TYPES) expect(typeof parseRunEventBody(type, {}).ok).toBe("boolean");
  });

  it("tells the original stream's reader that a retried answer's text is void", () => {
    const chunker = new LegacyChunker();
    const chunks = [
      { seq: 1, type: "llm.tokens", payload: { stepId: "s1", role: "coder", text: "def ad" }, createdAt: at },
      { seq: 2, type: "llm.discarded", payload: { stepId: "s1", role: "coder", attempt: 1, reason: "connection reset", discardedChars: 6 }, createdAt: at },
      { seq: 3, type: "llm.tokens", payload: { stepId: "s1", role: "coder", text: "def add" }, createdAt: at },
    ].flatMap((event) => chunker.chunksFor(event));
    expect(chunks.join("")).toBe("💬 [s1] coder: def ad\n↺ [s1] coder: the last 6 characters above are void (connection reset); the answer is retried\n💬 [s1] coder: def add");
  });
});
