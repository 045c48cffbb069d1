import { ZVerification } from "@/server/runs/events/contract";
import { describe, expect, it } from "vitest";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import { SessionEventStore } from "@/server/mcp/mcp-event-store";
import { isMcpRequest } from "@/server/mcp/mcp-http";
import { describeRunEvent } from "@/server/mcp/run-progress";
import { outcomeHeadline } from "@/server/mcp/run-result";
import type { TRunDto } from "@/server/runs/run-dto";

const note = (n: number): JSONRPCMessage => ({ jsonrpc: "2.0", method: "notifications/message", params: { n } });

async function replay(store: SessionEventStore, after: string) {
  const sent: Array<[string, unknown]> = [];
  const streamId = await store.replayEventsAfter(after, { send: async (id, message) => void sent.push([id, (message as unknown as { params: { n: number } }).params.n]) });
  return { streamId, sent };
}

describe("the MCP session event store", () => {
  it("replays what came after the client's last event, on that event's stream only, in order", async () => {
    const store = new SessionEventStore();
    const a = await store.storeEvent("_GET_stream", note(1));
    await store.storeEvent("post-1", note(2));
    await store.storeEvent("_GET_stream", note(3));
    await store.storeEvent("_GET_stream", note(4));
    expect(await replay(store, a)).toEqual({ streamId: "_GET_stream", sent: [["3", 3], ["4", 4]] });
    expect(await replay(store, "2")).toEqual({ streamId: "post-1", sent: [] });
  });

  it("refuses ids it never issued, and resumes the GET stream from the oldest kept event past its window", async () => {
    const store = new SessionEventStore();
    await expect(replay(store, "1")).rejects.toThrow(/Unknown Last-Event-ID/);
    for (let n = 1; n <= SessionEventStore.MAX_EVENTS + 2; n++) await store.storeEvent("_GET_stream", note(n));
    await expect(replay(store, "nonsense")).rejects.toThrow(/Unknown/);
    const { streamId, sent } = await replay(store, "1");
    expect(streamId).toBe("_GET_stream");
    expect(sent[0]).toEqual(["3", 3]);
    expect(sent).toHaveLength(SessionEventStore.MAX_EVENTS);
  });
});

describe("MCP results and progress lines", () => {
  const run = (over: Partial<TRunDto>): TRunDto =>
    ({ id: "r1", status: "SUCCEEDED", statusReason: null, steps: [], verification: null, ...over }) as TRunDto;
  const verification = (outcome: string, tests: Array<{ status: string; origin: string }>) =>
    ZVerification.parse({
      outcome,
      summary: "",
      commands: [],
      tests: tests.map((t, i) => ({ name: `test_${i}`, classname: "test_calc", ...t })),
    });

  it("states the outcome first and plainly", () => {
    const passed = verification("verified", [{ status: "passed", origin: "model" }, { status: "passed", origin: "repository" }]);
    expect(outcomeHeadline(run({ verification: passed }))).toBe("Verified by execution: 2 tests passed, 0 regressions.");
    expect(outcomeHeadline(run({ verification: verification("asserted", []) }))).toMatch(/^NOT verified: nothing runnable was executed/);
    expect(outcomeHeadline(run({ status: "FAILED", statusReason: "the final full test run failed: 1 test(s) failed", verification: verification("failed", [{ status: "failed", origin: "repository" }]) }))).toBe(
      "NOT verified: the final full test run failed: 1 test(s) failed.",
    );
    expect(outcomeHeadline(run({ status: "CANCELLED" }))).toBe("NOT verified: the run was cancelled.");
    // A succeeded status never passes for verified on its own.
    expect(outcomeHeadline(run({ verification: null }))).toBe("NOT verified: the run recorded no verification.");
    expect(outcomeHeadline(run({ status: "FAILED", verification: null }))).toBe("NOT verified: the run failed.");
    expect(outcomeHeadline(run({ status: "RUNNING" }))).toMatch(/^NOT finished: the run is running/);
  });

  it("turns events into progress lines and leaves tokens out", () => {
    const at = new Date();
    expect(describeRunEvent("r1", { seq: 7, type: "sandbox.command", payload: { stepId: "s1", command: "pytest -q", exitCode: 1, passed: false, reason: "1 test(s) failed", durationMs: 1500 }, createdAt: at })).toMatchObject({
      kind: "command",
      seq: 7,
      stepId: "s1",
      exitCode: 1,
      message: "$ pytest -q -> exit 1, 1.5 s (failed: 1 test(s) failed)",
    });
    expect(describeRunEvent("r1", { seq: 8, type: "llm.tokens", payload: { stepId: "s1", role: "coder", text: "def" }, createdAt: at })).toBeNull();
  });
});

describe("the /mcp route", () => {
  it("matches /mcp with or without a slash or query, nothing else", () => {
    expect(["/mcp", "/mcp/", "/mcp?x=1", "/mcp/?x"].every(isMcpRequest)).toBe(true);
    expect(["/mcpx", "/mcp/x", "/api/mcp", undefined].some(isMcpRequest)).toBe(false);
  });
});
