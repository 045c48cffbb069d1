import { describe, expect, it } from "vitest";
import { forShareViewer } from "@/server/share/get-shared-run";

const at = new Date();

describe("what a share link shows of the record", () => {
  it("drops who cancelled, which worker ran it and git's error text; leaves other events untouched", () => {
    expect(forShareViewer({ seq: 1, type: "run.cancel_requested", payload: { by: "user-1" }, createdAt: at }).payload).toEqual({});
    expect(forShareViewer({ seq: 2, type: "run.claimed", payload: { workerId: "host:42:ab", branch: "autocode/run-x" }, createdAt: at }).payload).toEqual({ branch: "autocode/run-x" });
    expect(forShareViewer({ seq: 3, type: "step.commit_failed", payload: { stepId: "s1", error: "fatal: /data/projects/p/repo" }, createdAt: at }).payload).toEqual({
      stepId: "s1",
      error: "The step's changes could not be committed.",
    });
    const tokens = { seq: 4, type: "llm.tokens", payload: { text: "def add" }, createdAt: at };
    expect(forShareViewer(tokens)).toBe(tokens);
  });
});
