import { describe, expect, it } from "vitest";
import { parseRunNotification } from "@/server/runs/run-bus";

describe("parseRunNotification", () => {
  it("reads an event that rode along, colons in its payload included", () => {
    const text = `run1:7:llm.tokens:abcd1234:1764712345678:2:${JSON.stringify({ text: "a: b:: c", stepId: null })}`;
    expect(parseRunNotification(text)).toEqual({
      runId: "run1",
      seq: 7,
      type: "llm.tokens",
      origin: "abcd1234",
      event: { seq: 7, type: "llm.tokens", payload: { text: "a: b:: c", stepId: null }, createdAt: new Date(1764712345678), version: 2 },
    });
  });

  it("reads a seq-only notification (a large event, or an older writer) without an event", () => {
    expect(parseRunNotification("run1:8:run.finished:abcd1234")).toEqual({ runId: "run1", seq: 8, type: "run.finished", origin: "abcd1234", event: null });
    expect(parseRunNotification("run1:9")).toEqual({ runId: "run1", seq: 9, type: "", origin: "", event: null });
  });

  it("falls back to the seq when the carried payload is not JSON, and ignores what names no run", () => {
    expect(parseRunNotification("run1:7:llm.tokens:abcd1234:1764712345678:2:{cut")).toMatchObject({ runId: "run1", seq: 7, event: null });
    expect(parseRunNotification("")).toBeNull();
    expect(parseRunNotification("run1")).toBeNull();
  });
});
