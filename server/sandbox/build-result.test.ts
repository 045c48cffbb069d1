import { describe, expect, it } from "vitest";
import { buildExecutionResult, type TRunnerExecution } from "./build-result";

const base: TRunnerExecution = {
  exitCode: 0,
  signal: null,
  timedOut: false,
  oomKilled: false,
  stdout: "",
  stderr: "",
  stdoutTruncated: false,
  stderrTruncated: false,
  durationMs: 120.4,
  tests: [],
};
const context = { command: ["python3", "-m", "pytest"], kind: "pytest" as const, timeoutMs: 30_000, memoryMb: 512 };
const passing = { name: "test_ok", classname: "test_a", file: "test_a.py", status: "passed" as const, time: 0.002 };

describe("buildExecutionResult", () => {
  it("passes only with exit code 0 and at least one test", () => {
    const result = buildExecutionResult({ ...base, tests: [passing] }, context);
    expect(result.passed).toBe(true);
    expect(result.failureReason).toBeUndefined();
    expect(result.summary).toEqual({ passed: 1, failed: 0, errors: 0, skipped: 0 });
    expect(result.tests[0]).toEqual({ name: "test_ok", classname: "test_a", file: "test_a.py", status: "passed", durationMs: 2 });
  });

  it("does not trust exit code 0 without a report", () => {
    const result = buildExecutionResult({ ...base, tests: null, stderr: "boom" }, context);
    expect(result.passed).toBe(false);
    expect(result.failureReason).toMatch(/no JUnit report \(exit code 0\): boom/);
  });

  it("does not trust a clean report with a non-zero exit code", () => {
    const result = buildExecutionResult({ ...base, exitCode: 3, tests: [passing] }, context);
    expect(result.passed).toBe(false);
    expect(result.failureReason).toMatch(/internal error/);
  });

  it("names failures and the first error line", () => {
    const failing = { ...passing, name: "test_bad", status: "failed" as const, message: "assert 0\n>  assert 0\nE   assert 0" };
    const broken = { ...passing, name: "test_x", status: "error" as const, message: "collection failure\nE     File \"x.py\", line 1\nE   SyntaxError: invalid syntax" };
    const result = buildExecutionResult({ ...base, exitCode: 1, tests: [passing, failing, failing, broken] }, context);
    expect(result.passed).toBe(false);
    expect(result.summary).toEqual({ passed: 1, failed: 2, errors: 1, skipped: 0 });
    expect(result.failureReason).toBe("2 tests failed, 1 error: assert 0");
    const onlyBroken = buildExecutionResult({ ...base, exitCode: 2, tests: [broken] }, context);
    expect(onlyBroken.failureReason).toBe("1 error: SyntaxError: invalid syntax");
  });

  it("reports no tests collected, timeouts, OOM and signals as such", () => {
    expect(buildExecutionResult({ ...base, exitCode: 5 }, context).failureReason).toBe("no tests collected");
    const timedOut = buildExecutionResult({ ...base, exitCode: null, timedOut: true, signal: "SIGKILL" }, context);
    expect(timedOut.failureReason).toBe("timed out after 30 s");
    const oom = buildExecutionResult({ ...base, exitCode: null, oomKilled: true, signal: "SIGKILL" }, context);
    expect(oom.failureReason).toBe("out of memory (512 MB)");
    expect(buildExecutionResult({ ...base, exitCode: null, signal: "SIGSEGV" }, context).failureReason).toBe("killed by SIGSEGV");
  });

  it("judges plain commands by exit code alone", () => {
    const ok = buildExecutionResult({ ...base, tests: undefined }, { ...context, kind: "exec" });
    expect(ok.passed).toBe(true);
    const bad = buildExecutionResult({ ...base, exitCode: 2, tests: undefined }, { ...context, kind: "exec" });
    expect(bad.failureReason).toBe("exited with code 2");
  });
});
