import type { ExecutionResult, TestCaseResult } from "@/server/sandbox/types";

export interface SuiteTest {
  id: string;
  name: string;
  classname: string;
  file?: string;
  status: TestCaseResult["status"];
}

/** The repository's suite on the base commit, as stored (SuiteBaseline) and compared against. */
export interface BaselineRun {
  commit: string;
  tests: SuiteTest[];
  passed: boolean;
  reason?: string;
  durationMs: number;
  cached: boolean;
}

export interface BaselineComparison {
  /** Passed on the base commit, fails now: the run fails, naming them. */
  regressions: SuiteTest[];
  /** Failed on the base commit and still fails: shown, does not fail the run. */
  alreadyFailing: SuiteTest[];
  /** Not in the base suite (the run's tests): each must pass. */
  newTests: SuiteTest[];
  /** Failed on the base commit, passes now. */
  fixed: string[];
  baselineAvailable: boolean;
  baselineCached: boolean;
  passed: boolean;
  reason?: string;
}

const broken = (status: SuiteTest["status"]) => status === "failed" || status === "error";

export function suiteTests(result: Pick<ExecutionResult, "tests">): SuiteTest[] {
  return result.tests.map((t) => ({ id: `${t.classname}::${t.name}`, name: t.name, classname: t.classname, ...(t.file ? { file: t.file } : {}), status: t.status }));
}

function names(tests: SuiteTest[]): string {
  const shown = tests.slice(0, 5).map((t) => `${t.file ?? t.classname}::${t.name}`);
  return tests.length > 5 ? `${shown.join(", ")} and ${tests.length - 5} more` : shown.join(", ");
}

/**
 * The final verification's verdict: pass and fail still come only from the exit code and the parsed report, but
 * a test that already failed on the base commit does not fail the run, and one that passed there and fails now does.
 */
export function compareWithBaseline(baseline: BaselineRun | null, now: ExecutionResult): BaselineComparison {
  const current = suiteTests(now);
  const before = new Map((baseline?.tests ?? []).map((t) => [t.id, t]));
  const regressions: SuiteTest[] = [];
  const alreadyFailing: SuiteTest[] = [];
  const newTests: SuiteTest[] = [];
  const fixed: string[] = [];
  for (const test of current) {
    const base = before.get(test.id);
    if (!base) newTests.push(test);
    else if (broken(test.status) && broken(base.status)) alreadyFailing.push(test);
    else if (broken(test.status)) regressions.push(test);
    else if (broken(base.status) && test.status === "passed") fixed.push(test.id);
  }
  const newFailing = newTests.filter((t) => broken(t.status));
  let reason: string | undefined;
  if (now.timedOut || now.oomKilled) reason = `the test suite ${now.failureReason}`;
  else if (regressions.length) reason = `regression: ${names(regressions)} passed on the base commit and fail${regressions.length === 1 ? "s" : ""} now`;
  else if (newFailing.length) reason = `new test${newFailing.length === 1 ? "" : "s"} fail: ${names(newFailing)}`;
  else if (current.length === 0) reason = now.failureReason ?? "the test suite reported no tests";
  else if (now.exitCode !== 0 && regressions.length + alreadyFailing.length + newFailing.length === 0) {
    // A non-zero exit with nothing failing in the report (a crash outside any test) is never a pass.
    reason = now.failureReason ?? `the test command exited with code ${now.exitCode}`;
  } else if (now.exitCode !== 0 && alreadyFailing.length === 0) reason = now.failureReason ?? `the test command exited with code ${now.exitCode}`;
  return {
    regressions,
    alreadyFailing,
    newTests,
    fixed,
    baselineAvailable: baseline !== null,
    baselineCached: baseline?.cached ?? false,
    passed: reason === undefined,
    ...(reason === undefined ? {} : { reason }),
  };
}
