import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { listOwnContainers } from "@/server/sandbox";
import { requireDocker } from "@/server/sandbox/docker-test-guard";
import { useOrchestratorHarness } from "@/tests/orchestrator/harness-suite";

const dockerReady = await requireDocker("orchestrator end-to-end tests");

const BUGGY = "File: calc.py\n```python\ndef add(a, b):\n    return a - b\n```";
const FIXED = "File: calc.py\n```python\ndef add(a, b):\n    return a + b\n```";
const plan = (steps: object[]) => JSON.stringify({ steps });

describe.skipIf(!dockerReady)("runTask with the fake model server and the real Docker sandbox", () => {
  const suite = useOrchestratorHarness({ poolSize: 2 });

  it("a step that passes the first time: verified by execution, committed, remembered, events in order", async () => {
    const h = await suite.harness({ git: true });
    const outcome = await h.run({ runId: "pass-first" });

    expect(outcome.status).toBe("succeeded");
    expect(outcome.verdict?.verdict).toBe("PASS");
    expect(outcome.verification.outcome).toBe("verified");
    expect(outcome.steps).toEqual([{ id: "s1", status: "passed", runs: 1 }]);
    // One step run, really executed with exit code 0; the full run would repeat it (the only test file, no edit
    // since), so it is not run again and the record says which step's run covered it.
    expect(outcome.verification.commands.map((c) => [c.stepId, c.exitCode, c.passed])).toEqual([["s1", 0, true]]);
    expect(outcome.verification.commands[0]!.command).toContain("pytest test_calc.py");
    expect(outcome.verification.modelTestFiles).toEqual(["test_calc.py"]);
    expect(outcome.verification.tests.filter((t) => t.origin === "model").map((t) => t.status)).toEqual(["passed", "passed"]);
    expect(outcome.usage.calls).toBe(4); // planner, coder, tester, critic
    expect(outcome.usage.tokensIn).toBeGreaterThan(0);
    expect(h.memory.remembered).toHaveLength(1);

    const events = h.events.ofRun("pass-first");
    expect(events.find((e) => e.type === "verification.started")?.payload).toEqual({ coveredByStep: "s1" });
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    const types = events.map((e) => e.type);
    expect(types[0]).toBe("run.started");
    expect(types.at(-1)).toBe("run.finished");
    for (const expected of ["plan.created", "step.started", "edit.applied", "sandbox.command", "test.result", "verdict", "llm.tokens", "step.committed"]) {
      expect(types).toContain(expected);
    }
    expect(types.indexOf("plan.created")).toBeLessThan(types.indexOf("step.started"));
    expect(types.lastIndexOf("step.finished")).toBeLessThan(types.indexOf("verdict"));
    const tokens = events.filter((e) => e.type === "llm.tokens" && e.payload.role === "coder").map((e) => e.payload.text).join("");
    expect(tokens).toContain("def add(a, b)");

    expect(h.llm.requests.every((r) => r.runId === "pass-first" && r.role)).toBe(true);
    const log = execFileSync("git", ["log", "--format=%s"], { cwd: h.dir, encoding: "utf8" });
    expect(log).toMatch(/s1 \[passed\]/);
  });

  it("a run whose end cannot be stored throws, so its executor records the end itself", async () => {
    const h = await suite.harness({ git: true });
    const append = h.events.append.bind(h.events);
    // Events are stored behind the run; the failure of the last one must still reach the caller.
    h.events.append = async (event) => (event.type === "run.finished" ? Promise.reject(new Error("the database went away")) : append(event));
    await expect(h.run({ runId: "end-lost" })).rejects.toThrow("the database went away");
    expect(h.types("end-lost")).toContain("verdict");
    expect(h.types("end-lost")).not.toContain("run.finished");
  });

  it("a step the debugger fixes on the second attempt converges, with the real failure sent to the model", async () => {
    const h = await suite.harness();
    h.llm.script("coder", BUGGY);
    h.llm.script("debugger", FIXED);
    const outcome = await h.run({ runId: "converges" });

    expect(outcome.status).toBe("succeeded");
    expect(outcome.steps[0]).toMatchObject({ status: "passed", runs: 2 });
    // The fixing run covered the final one (same files, nothing edited since).
    expect(outcome.verification.commands.map((c) => c.passed)).toEqual([false, true]);
    expect(outcome.verification.commands[0]!.exitCode).toBe(1);
    const debuggerRequest = h.llm.requests.find((r) => r.role === "debugger")!;
    const prompt = debuggerRequest.body.messages!.map((m) => m.content).join("\n");
    expect(prompt).toContain("Exit code: 1");
    expect(prompt).toMatch(/test_add.*assert -1 == 5/);
    expect(h.types("converges")).toContain("debug.started");
  });

  it("a step that is never fixed stops at the cap with the reason", async () => {
    const h = await suite.harness();
    h.llm.script("coder", BUGGY);
    h.llm.script("debugger", BUGGY, BUGGY);
    const outcome = await h.run({ runId: "never-fixed", settings: { maxDebugAttempts: 2 } });

    expect(outcome.status).toBe("failed");
    expect(outcome.reason).toMatch(/step s1 failed: tests still fail after 2 debug attempt\(s\)/);
    expect(outcome.steps[0]).toMatchObject({ status: "failed", runs: 3 });
    expect(outcome.verification.commands).toHaveLength(3);
    expect(outcome.verification.outcome).toBe("failed");
    expect(outcome.verdict).toBeNull();
    expect(h.llm.requests.filter((r) => r.role === "debugger")).toHaveLength(2);
    expect(h.memory.remembered).toHaveLength(0);
  });

  it("a crash in the code under test is a failure, not a pass, even with exit code 0", async () => {
    const h = await suite.harness();
    const crash = "File: calc.py\n```python\nimport os\nos._exit(0)\n\ndef add(a, b):\n    return a + b\n```";
    h.llm.script("coder", crash);
    const outcome = await h.run({ runId: "crash", settings: { maxDebugAttempts: 0 } });

    expect(outcome.status).toBe("failed");
    expect(outcome.verification.commands).toHaveLength(1);
    // The process exits 0 before pytest can write a report: only the empty JUnit report shows the crash.
    expect(outcome.verification.commands[0]!.exitCode).toBe(0);
    expect(outcome.verification.commands[0]!.passed).toBe(false);
    expect(outcome.verification.outcome).toBe("failed");
    expect(outcome.reason).toMatch(/step s1 failed/);
  });

  it("independent steps really overlap; with parallelism off they do not", async () => {
    const twoSteps = plan([
      { id: "a", agent: "coder", description: "add in calc.py", file: "calc.py", depends_on: [] },
      { id: "b", agent: "coder", description: "add in other.py", file: "other.py", depends_on: [] },
    ]);
    const h = await suite.harness({ latencyMs: 400 });
    h.llm.script("planner", twoSteps);
    const parallel = await h.run({ runId: "parallel", settings: { parallel: true, maxParallelWorkers: 2 } });
    expect(parallel.status).toBe("succeeded");
    // Each answer takes 400 ms: the second coder request arrives while the first is still waiting.
    const coderGap = (requests: typeof h.llm.requests) => {
      const [first, second] = requests.filter((r) => r.role === "coder");
      return Math.abs(second!.receivedAt - first!.receivedAt);
    };
    expect(coderGap(h.llm.requests)).toBeLessThan(300);
    // Each step's coder and (independent) tester are asked together: more than one step's two means steps overlap.
    expect(h.llm.maxInFlight()).toBeGreaterThan(2);
    const events = h.events.ofRun("parallel");
    const firstFinish = events.findIndex((e) => e.type === "step.finished");
    expect(events.filter((e, i) => e.type === "step.started" && i < firstFinish)).toHaveLength(2);

    const again = await suite.harness({ latencyMs: 400 });
    again.llm.script("planner", twoSteps);
    const serial = await again.run({ runId: "serial", settings: { parallel: false } });
    expect(serial.status).toBe("succeeded");
    // One step at a time: at most its coder and its tester at once.
    expect(again.llm.maxInFlight()).toBe(2);
    expect(coderGap(again.llm.requests)).toBeGreaterThanOrEqual(400);
  });

  it("a malformed plan is repaired once from the precise error", async () => {
    const h = await suite.harness();
    h.llm.script("planner", "Sure! I'd write calc.py first, then test it.");
    const outcome = await h.run({ runId: "repair" });
    expect(outcome.status).toBe("succeeded");
    const repairs = h.events.ofRun("repair").filter((e) => e.type === "agent.repair");
    expect(repairs.map((e) => e.payload.role)).toEqual(["planner"]);
    const second = h.llm.requests.filter((r) => r.role === "planner")[1]!;
    expect(second.body.messages!.at(-1)!.content).toMatch(/could not be used: no JSON object found/);
  });

  it("a 429 from the model is retried after Retry-After and the run succeeds", async () => {
    const h = await suite.harness();
    h.llm.script("coder", { status: 429, retryAfter: 1 });
    const outcome = await h.run({ runId: "rate-limited" });
    expect(outcome.status).toBe("succeeded");
    const coderCalls = h.llm.requests.filter((r) => r.role === "coder");
    expect(coderCalls).toHaveLength(2);
    expect(coderCalls[1]!.receivedAt - coderCalls[0]!.receivedAt).toBeGreaterThanOrEqual(950);
  });

  it("cancelling during a sandbox run stops the run and kills its container within 2 seconds", async () => {
    const h = await suite.harness();
    h.llm.script("tester", "```python\nimport time\nfrom calc import add\n\ndef test_slow():\n    time.sleep(30)\n    assert add(1, 1) == 2\n```");
    const controller = new AbortController();
    let abortedAt = 0;
    const outcome = await h.run({
      runId: "cancelled",
      signal: controller.signal,
      onEvent: (event) => {
        if (event.type === "step.running") {
          setTimeout(() => {
            abortedAt = Date.now();
            controller.abort();
          }, 500);
        }
      },
    });
    const stoppedAfter = Date.now() - abortedAt;
    expect(outcome.status).toBe("cancelled");
    expect(stoppedAfter).toBeLessThan(2_000);
    expect(outcome.steps[0]!.status).toBe("cancelled");
    const left = (await listOwnContainers()).filter((c) => c.Labels["ai.autocode.run"] === "cancelled" && c.State === "running");
    expect(left).toHaveLength(0);
    expect(h.types("cancelled").at(-1)).toBe("run.finished");
  });

  it("cancelling while the model streams aborts the request at once", async () => {
    const h = await suite.harness();
    h.llm.script("planner", { text: "x".repeat(400), chunkSize: 1, chunkDelayMs: 20 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    const started = Date.now();
    const outcome = await h.run({ runId: "cancel-stream", signal: controller.signal });
    expect(outcome.status).toBe("cancelled");
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(h.llm.requests).toHaveLength(1);
  });

  it("a token budget stops the run cleanly with the reason recorded", async () => {
    const h = await suite.harness();
    const outcome = await h.run({ runId: "budget", settings: { tokenBudget: 150 } });
    expect(outcome.status).toBe("failed");
    expect(outcome.reason).toMatch(/token budget of 150 tokens/);
    const exceeded = h.events.ofRun("budget").find((e) => e.type === "budget.exceeded");
    expect(exceeded?.payload).toMatchObject({ kind: "tokens", limit: 150 });
    expect(outcome.usage.tokensIn + outcome.usage.tokensOut).toBeGreaterThanOrEqual(150);
    expect(h.llm.requests.length).toBeLessThanOrEqual(3);
  });

  it("a cost budget stops the run cleanly with the reason recorded", async () => {
    const h = await suite.harness();
    const outcome = await h.run({ runId: "cost-budget", settings: { costBudgetUsd: 0.000001 } });
    expect(outcome.status).toBe("failed");
    expect(outcome.reason).toMatch(/cost budget of \$0\.00/);
    const exceeded = h.events.ofRun("cost-budget").find((e) => e.type === "budget.exceeded");
    expect(exceeded?.payload).toMatchObject({ kind: "cost", limit: 0.000001 });
    expect(outcome.usage.costUsd).toBeGreaterThan(0.000001);
    expect(h.types("cost-budget").at(-1)).toBe("run.finished");
  });
});
