import { describe, expect, it } from "vitest";
import type { RunOutcome } from "@/server/orchestrator/run-task";
import { requireDocker } from "@/server/sandbox/docker-test-guard";
import { useOrchestratorHarness } from "@/tests/orchestrator/harness-suite";
import type { Harness } from "@/tests/orchestrator/orchestrator-harness";

const dockerReady = await requireDocker("exact usage");
const GOOD = "File: calc.py\n```python\ndef add(a, b):\n    return a + b\n```";

/** The stored usage must be exactly what the llm.call events add up to (what a bill would add up to). */
function expectUsageEqualsCalls(h: Harness, runId: string, outcome: RunOutcome) {
  const calls = h.events.ofRun(runId).filter((e) => e.type === "llm.call").map((e) => e.payload as { tokensIn: number; tokensOut: number; costUsd: number });
  expect(calls.length).toBe(outcome.usage.calls);
  expect(calls.reduce((sum, c) => sum + c.tokensIn, 0)).toBe(outcome.usage.tokensIn);
  expect(calls.reduce((sum, c) => sum + c.tokensOut, 0)).toBe(outcome.usage.tokensOut);
  expect(calls.reduce((sum, c) => sum + c.costUsd, 0)).toBeCloseTo(outcome.usage.costUsd, 12);
  return calls;
}

describe.skipIf(!dockerReady)("usage is exact: stored usage equals the sum of llm.call events (real sandbox, fake model)", () => {
  const suite = useOrchestratorHarness({ poolSize: 1 });

  it("under retries: a 429 and a stream cut after text are retried, and the cut attempt's tokens are counted", async () => {
    const h = await suite.harness();
    h.llm.script("planner", { status: 429, retryAfter: 0 });
    h.llm.script("coder", { text: GOOD, cutAfterChunks: 3, chunkSize: 8 }, GOOD);
    const runId = "usage-retries";
    const outcome = await h.run({ runId });
    expect(outcome.status).toBe("succeeded");
    const calls = expectUsageEqualsCalls(h, runId, outcome);
    const coder = h.events.ofRun(runId).find((e) => e.type === "llm.call" && e.payload.role === "coder")!.payload as { attempts: number; estimated: boolean; tokensOut: number };
    expect(coder).toMatchObject({ attempts: 2, estimated: true });
    // The discarded 24 characters cost tokens beyond the answer that was kept.
    const kept = h.llm.requests.filter((r) => r.role === "coder");
    expect(kept).toHaveLength(2);
    expect(calls.find((c) => (c as { role?: string }).role === "planner")).toMatchObject({ attempts: 2 });
  });

  it("under a budget stop: the call that crosses the budget is counted and recorded", async () => {
    const h = await suite.harness();
    const runId = "usage-budget";
    const outcome = await h.run({ runId, settings: { tokenBudget: 150 } });
    expect(outcome.status).toBe("failed");
    expect(outcome.reason).toMatch(/token budget of 150 tokens/);
    const calls = expectUsageEqualsCalls(h, runId, outcome);
    expect(calls.length).toBeGreaterThan(0);
    expect(outcome.usage.tokensIn + outcome.usage.tokensOut).toBeGreaterThanOrEqual(150);
    // Every request the model answered is one llm.call: nothing answered went unrecorded.
    expect(calls.length).toBe(h.llm.requests.length);
  });
});
