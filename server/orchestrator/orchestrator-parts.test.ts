import { describe, expect, it } from "vitest";
import { KeyedMutex, Semaphore } from "@/server/orchestrator/keyed-mutex";
import { MeteredLlm, BudgetExceededError } from "@/server/orchestrator/metered-llm";
import { InMemoryEventSink } from "@/server/orchestrator/adapters/in-memory-event-sink";
import type { ExecutionResult } from "@/server/orchestrator/ports";
import { MAX_UNSTORED_EVENTS, RunEventLog, TOKEN_FLUSH_MS } from "@/server/orchestrator/run-event-log";
import { checkReport, pytestSelected } from "@/server/orchestrator/reverify-branch";
import { judgeExecution, testFileOf } from "@/server/orchestrator/verify-execution";
import { scriptedLlm } from "@/tests/agents/scripted-llm";

const run = (over: Partial<ExecutionResult>): ExecutionResult => ({
  command: ["python3", "-m", "pytest"],
  exitCode: 0,
  stdout: "",
  stderr: "",
  stdoutTruncated: false,
  stderrTruncated: false,
  timedOut: false,
  oomKilled: false,
  durationMs: 10,
  tests: [{ name: "test_a", classname: "test_calc", status: "passed", durationMs: 1 }],
  summary: { passed: 1, failed: 0, errors: 0, skipped: 0 },
  passed: true,
  ...over,
});

describe("the runner cross-check (checkReport)", () => {
  const two = [
    { name: "test_a", classname: "test_calc", status: "passed" as const, durationMs: 1 },
    { name: "test_b", classname: "test_calc", status: "passed" as const, durationMs: 1 },
  ];
  it("reads how many tests pytest itself selected", () => {
    expect(pytestSelected("rootdir: /w\ncollected 4 items\n\ntest_x.py ....")).toBe(4);
    expect(pytestSelected("collected 1 item\n")).toBe(1);
    expect(pytestSelected("collected 4 items / 1 deselected / 3 selected\n")).toBe(3);
    expect(pytestSelected("collected 4 items / 1 deselected\n")).toBe(3);
    expect(pytestSelected(" RUN  v2.1.9 /workspace\n ✓ src/a.test.ts (2 tests)")).toBeNull();
    expect(pytestSelected("1 failed, 3 passed in 0.03s")).toBeNull();
  });
  it("accepts a report that agrees with pytest's own count and lists every acceptance file", () => {
    expect(checkReport(run({ tests: two, stdout: "collected 2 items\n" }), ["test_calc.py"])).toBeUndefined();
    expect(checkReport(run({ tests: two, stdout: "(quiet: no collected line)" }), ["test_calc.py"])).toBeUndefined();
  });
  it("fails a report that lists fewer tests than pytest collected, or none of an acceptance file", () => {
    expect(checkReport(run({ tests: two.slice(1), stdout: "collected 2 items\n" }), ["test_calc.py"])).toBe("pytest collected 2 test(s) but its report lists 1");
    expect(checkReport(run({ tests: two, stdout: "collected 3 items / 1 deselected / 2 selected\n" }), ["test_calc.py"])).toBeUndefined();
    expect(checkReport(run({ tests: two, stdout: "collected 2 items\n" }), ["test_calc.py", "test_other.py"])).toMatch(/no tests of the acceptance file\(s\) test_other.py/);
  });
});

describe("the runner cross-check for node:test (TAP names no file)", () => {
  const tap = (name: string) => ({ name, classname: "node:test", status: "passed" as const, durationMs: 1 });
  const frozen = new Map([["src/minutes.test.js", 'test("two hours in minutes", () => {\n  assert.strictEqual(minutes("2h"), 120);\n});\n']]);
  it("counts a file as collected when a listed test's own name is written in it", () => {
    expect(checkReport(run({ tests: [tap("an hour in seconds"), tap("two hours in minutes")] }), ["src/minutes.test.js"], frozen)).toBeUndefined();
    expect(checkReport(run({ tests: [tap("minutes > two hours in minutes")] }), ["src/minutes.test.js"], frozen)).toBeUndefined();
  });
  it("still fails when none of the file's tests is listed", () => {
    expect(checkReport(run({ tests: [tap("an hour in seconds")] }), ["src/minutes.test.js"], frozen)).toMatch(/no tests of the acceptance file\(s\) src\/minutes.test.js/);
    expect(checkReport(run({ tests: [tap("two hours in minutes")] }), ["src/minutes.test.js"])).toMatch(/not collected/);
  });
});

describe("judgeExecution", () => {
  it("passes only on exit 0 with a report of passing tests", () => {
    expect(judgeExecution(run({}))).toEqual({ passed: true });
  });
  it("never trusts the words in the output", () => {
    expect(judgeExecution(run({ exitCode: 1, stdout: "1 passed", passed: false })).passed).toBe(false);
    expect(judgeExecution(run({ tests: [], stdout: "=== 5 passed ===" })).reason).toMatch(/lists no tests/);
    expect(judgeExecution(run({ tests: [{ name: "t", classname: "c", status: "failed", durationMs: 1 }] })).passed).toBe(false);
    expect(judgeExecution(run({ tests: [{ name: "t", classname: "c", status: "skipped", durationMs: 1 }] })).reason).toMatch(/skipped/);
    expect(judgeExecution(run({ timedOut: true, exitCode: null })).passed).toBe(false);
    expect(judgeExecution(run({ oomKilled: true })).passed).toBe(false);
    expect(judgeExecution(run({ passed: false, failureReason: "sandbox says no" })).reason).toBe("sandbox says no");
  });
  it("maps a JUnit case to its test file", () => {
    expect(testFileOf({ name: "t", classname: "pkg.test_calc.TestAdd", status: "passed", durationMs: 0 })).toBe("pkg/test_calc.py");
    expect(testFileOf({ name: "t", classname: "test_calc", status: "passed", durationMs: 0 })).toBe("test_calc.py");
    expect(testFileOf({ name: "t", classname: "x", file: "a/test_b.py", status: "passed", durationMs: 0 })).toBe("a/test_b.py");
  });
});

describe("RunEventLog", () => {
  it("batches tokens, flushes them before the next event, and keeps seq order", async () => {
    const sink = new InMemoryEventSink();
    const seen: number[] = [];
    const log = new RunEventLog("r", sink, (e) => seen.push(e.seq));
    log.token("s1", "coder", "def ");
    log.token("s1", "coder", "add");
    void log.emit("step.finished", { stepId: "s1", status: "passed", reason: null, runs: 1 });
    log.token("s1", "coder", "x");
    await new Promise((resolve) => setTimeout(resolve, TOKEN_FLUSH_MS * 2));
    await log.drain();
    expect(sink.events.map((e) => [e.type, e.payload.text ?? null])).toEqual([
      ["llm.tokens", "def add"],
      ["step.finished", null],
      ["llm.tokens", "x"],
    ]);
    expect(seen).toEqual([1, 2, 3]);
  });
  it("surfaces a storage failure from drain", async () => {
    let calls = 0;
    const log = new RunEventLog("r", { append: async () => (++calls === 2 ? Promise.reject(new Error("db down")) : { seq: calls }) });
    void log.emit("verification.started", {});
    void log.emit("verification.started", {});
    void log.emit("verification.started", {});
    await expect(log.drain()).rejects.toThrow("db down");
    expect(calls).toBe(2);
    // Later emits are refused with the same failure (the run stops at its next event), and none is stored.
    await expect(log.emit("verification.started", {})).rejects.toThrow("db down");
    expect(calls).toBe(2);
  });
  it("lets the run go on while its events are stored, in order, up to a bound", async () => {
    let open = () => {};
    const gate = { promise: new Promise<void>((resolve) => (open = resolve)), resolve: () => open() };
    const stored: number[] = [];
    const log = new RunEventLog("r", {
      append: async () => {
        await gate.promise;
        stored.push(stored.length + 1);
        return { seq: stored.length };
      },
    });
    // The store is stuck: emits within the bound still return at once.
    for (let i = 0; i < MAX_UNSTORED_EVENTS; i++) await log.emit("verification.started", {});
    expect(stored).toEqual([]);
    // One more waits for the store to catch up.
    let returned = false;
    const over = log.emit("verification.started", {}).then(() => (returned = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(returned).toBe(false);
    gate.resolve();
    await over;
    await log.drain();
    expect(stored).toHaveLength(MAX_UNSTORED_EVENTS + 1);
  });
});

describe("locks", () => {
  it("a Semaphore never runs more than its limit", async () => {
    const slots = new Semaphore(2);
    let active = 0;
    let max = 0;
    await Promise.all(
      Array.from({ length: 6 }, () =>
        slots.run(async () => {
          max = Math.max(max, ++active);
          await new Promise((resolve) => setTimeout(resolve, 5));
          active--;
        }),
      ),
    );
    expect(max).toBe(2);
  });
  it("a KeyedMutex serializes holders of a shared key only", async () => {
    const mutex = new KeyedMutex();
    const order: string[] = [];
    const hold = async (name: string, keys: string[]) => {
      const release = await mutex.lock(keys);
      order.push(`${name}+`);
      await new Promise((resolve) => setTimeout(resolve, 10));
      order.push(`${name}-`);
      release();
    };
    await Promise.all([hold("a", ["x.py", "test_x.py"]), hold("b", ["test_x.py"]), hold("c", ["y.py"])]);
    expect(order.indexOf("b+")).toBeGreaterThan(order.indexOf("a-"));
    expect(order.indexOf("c+")).toBeLessThan(order.indexOf("a-"));
  });
});

describe("MeteredLlm", () => {
  it("adds usage and refuses calls past the budget", async () => {
    const exceeded: BudgetExceededError[] = [];
    const metered = new MeteredLlm(scriptedLlm("a", "b", "c"), { tokens: 30, costUsd: 1 }, (e) => exceeded.push(e));
    const ask = { role: "coder" as const, runId: "r", messages: [] };
    await metered.complete(ask);
    await expect(metered.complete(ask)).rejects.toThrow(/token budget of 30 tokens \(used 30\)/);
    expect(exceeded).toHaveLength(1);
    await expect(metered.complete(ask)).rejects.toBeInstanceOf(BudgetExceededError);
    expect(metered.usage).toMatchObject({ tokensIn: 20, tokensOut: 10, calls: 2 });
  });
});
