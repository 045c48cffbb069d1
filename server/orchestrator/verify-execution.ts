import type { ExecutionForModel } from "@/server/agents/debugger";
import type { ExecutionResult, TestCaseResult } from "@/server/orchestrator/ports";

export interface Judgement {
  passed: boolean;
  reason?: string;
}

/**
 * Pass or fail from the exit code and the parsed JUnit report only; the output text is never read for
 * words like "passed". A run that reports no tests (a crash, os._exit, a missing report) is a failure.
 */
export function judgeExecution(result: ExecutionResult): Judgement {
  if (result.timedOut) return { passed: false, reason: result.failureReason ?? "the run timed out" };
  if (result.oomKilled) return { passed: false, reason: result.failureReason ?? "the run ran out of memory" };
  if (result.exitCode !== 0) {
    return { passed: false, reason: result.failureReason ?? `pytest exited with code ${result.exitCode ?? "none (killed)"}` };
  }
  if (result.tests.length === 0) return { passed: false, reason: "exit code 0 but the JUnit report lists no tests" };
  const bad = result.tests.filter((t) => t.status === "failed" || t.status === "error");
  if (bad.length > 0) return { passed: false, reason: `${bad.length} test(s) failed although the exit code was 0` };
  if (result.tests.every((t) => t.status === "skipped")) return { passed: false, reason: "every test was skipped" };
  // The sandbox applies the same rule; if it disagrees, the stricter answer wins.
  if (!result.passed) return { passed: false, reason: result.failureReason ?? "the sandbox did not accept the run" };
  return { passed: true };
}

export function commandText(command: string[]): string {
  return command.map((part) => (/^[\w./=<>:-]+$/.test(part) ? part : JSON.stringify(part))).join(" ");
}

export function forModel(result: ExecutionResult, judgement: Judgement): ExecutionForModel {
  return {
    command: commandText(result.command),
    exitCode: result.exitCode,
    timedOut: result.timedOut,
    oomKilled: result.oomKilled,
    stdout: result.stdout,
    stderr: result.stderr,
    failures: result.tests
      .filter((t) => t.status === "failed" || t.status === "error")
      .map((t) => ({ name: `${t.classname}::${t.name}`, message: t.message ?? "" })),
    failureReason: judgement.reason,
  };
}

/** The test file a JUnit case came from: its `file` when given, else its classname's module path. */
export function testFileOf(test: TestCaseResult): string | undefined {
  if (test.file) return test.file;
  const parts = test.classname.split(".");
  // classname is "pkg.test_mod" or "pkg.test_mod.TestClass": drop a trailing class name.
  const last = parts.at(-1) ?? "";
  if (parts.length > 1 && /^[A-Z]/.test(last)) parts.pop();
  return parts.length ? `${parts.join("/")}.py` : undefined;
}
