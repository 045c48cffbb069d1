import { z } from "zod";
import { SANDBOX_TMP_MB, type ExecutionResult, type TestCaseResult } from "./types";

/** What sandbox/runner.py answers for a pytest or exec request. */
export const ZRunnerExecution = z.object({
  exitCode: z.number().int().nullable(),
  signal: z.string().nullable().optional(),
  timedOut: z.boolean(),
  oomKilled: z.boolean(),
  stdout: z.string(),
  stderr: z.string(),
  stdoutTruncated: z.boolean(),
  stderrTruncated: z.boolean(),
  durationMs: z.number(),
  tests: z
    .array(
      z.object({
        name: z.string(),
        classname: z.string(),
        file: z.string().nullable().optional(),
        status: z.enum(["passed", "failed", "error", "skipped"]),
        message: z.string().nullable().optional(),
        time: z.number(),
      }),
    )
    .nullable()
    .optional(),
  reportError: z.string().optional(),
});
export type TRunnerExecution = z.infer<typeof ZRunnerExecution>;

export interface ResultContext {
  command: string[];
  kind: "pytest" | "suite" | "exec";
  timeoutMs: number;
  memoryMb: number;
  /** SANDBOX_WORKSPACE_MB, named when a write found the workspace full. */
  workspaceMb?: number;
}

const PYTEST_EXIT_REASONS: Record<number, string> = {
  2: "the test run was interrupted (usually an error while collecting tests)",
  3: "pytest hit an internal error",
  4: "pytest was called with bad arguments",
  5: "no tests collected",
};

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? "" : "s"}`;
}

function formatSeconds(ms: number): string {
  const seconds = ms / 1000;
  return Number.isInteger(seconds) ? `${seconds} s` : `${seconds.toFixed(1)} s`;
}

/** Turns the runner's raw answer into the verdict the product reports: exit code AND the parsed report. */
export function buildExecutionResult(raw: TRunnerExecution, context: ResultContext): ExecutionResult {
  const tests: TestCaseResult[] = (raw.tests ?? []).map((test) => ({
    name: test.name,
    classname: test.classname,
    ...(test.file ? { file: test.file } : {}),
    status: test.status,
    ...(test.message ? { message: test.message } : {}),
    durationMs: Math.round(test.time * 1000),
  }));
  const summary = {
    passed: tests.filter((t) => t.status === "passed").length,
    failed: tests.filter((t) => t.status === "failed").length,
    errors: tests.filter((t) => t.status === "error").length,
    skipped: tests.filter((t) => t.status === "skipped").length,
  };
  const failureReason = withDiskFull(explainFailure(raw, context, tests, summary), raw, context);
  return {
    command: context.command,
    exitCode: raw.exitCode,
    stdout: raw.stdout,
    stderr: raw.stderr,
    stdoutTruncated: raw.stdoutTruncated,
    stderrTruncated: raw.stderrTruncated,
    timedOut: raw.timedOut,
    oomKilled: raw.oomKilled,
    ...(raw.signal ? { signal: raw.signal } : {}),
    durationMs: Math.round(raw.durationMs),
    tests,
    summary,
    passed: failureReason === undefined,
    ...(failureReason === undefined ? {} : { failureReason }),
  };
}

function explainFailure(
  raw: TRunnerExecution,
  context: ResultContext,
  tests: TestCaseResult[],
  summary: ExecutionResult["summary"],
): string | undefined {
  if (raw.timedOut) return `timed out after ${formatSeconds(context.timeoutMs)}`;
  if (raw.oomKilled) return `out of memory (${context.memoryMb} MB)`;
  if (raw.signal) return `killed by ${raw.signal}`;
  if (context.kind === "exec") return raw.exitCode === 0 ? undefined : `exited with code ${raw.exitCode}`;

  const broken = tests.filter((t) => t.status === "failed" || t.status === "error");
  const pytest = context.kind === "pytest";
  if ((pytest && raw.exitCode === 5) || (raw.exitCode === 0 && raw.tests && tests.length === 0)) return "no tests collected";
  if (raw.tests == null) {
    // A command that prints no report is a failure, never a pass, whatever its exit code.
    const why = raw.reportError ?? (pytest ? "pytest wrote no JUnit report" : "the test command wrote no test report");
    const tail = lastLines(raw.stderr || raw.stdout, 5);
    return `${why} (exit code ${raw.exitCode})${tail ? `: ${tail}` : ""}`;
  }
  if (summary.failed > 0 || summary.errors > 0) {
    const parts = [];
    if (summary.failed > 0) parts.push(`${plural(summary.failed, "test")} failed`);
    if (summary.errors > 0) parts.push(plural(summary.errors, "error"));
    const first = headline(broken[0]?.message);
    return `${parts.join(", ")}${first ? `: ${first}` : ""}`;
  }
  if (raw.exitCode !== 0) {
    if (!pytest) return `the test command exited with code ${raw.exitCode}`;
    return PYTEST_EXIT_REASONS[raw.exitCode ?? -1] ?? `pytest exited with code ${raw.exitCode}`;
  }
  return undefined;
}

/**
 * A failure whose output says a disk was full: the sandbox's writable places are size-limited tmpfs (the workspace,
 * node_modules' own files included, and /tmp), so say which limit was reached instead of a bare ENOSPC deep in a log.
 */
function withDiskFull(reason: string | undefined, raw: TRunnerExecution, context: ResultContext): string | undefined {
  if (reason === undefined || !/ENOSPC|No space left on device/.test(`${raw.stderr}\n${raw.stdout}`)) return reason;
  const workspace = context.workspaceMb === undefined ? "SANDBOX_WORKSPACE_MB" : `SANDBOX_WORKSPACE_MB, ${context.workspaceMb} MB`;
  return `${reason}; the sandbox ran out of space (No space left on device): /workspace, where new files in node_modules go too, is limited to ${workspace}, /tmp to ${SANDBOX_TMP_MB} MB`;
}

/** pytest's own message is often "collection failure"; the "E " line naming the exception says why. */
function headline(message: string | undefined): string | undefined {
  if (!message) return undefined;
  const lines = message.split("\n");
  const errorLines = lines.filter((line) => /^E\s+\S/.test(line));
  const named = errorLines.filter((line) => /^E\s+[\w.]+(Error|Exception|Exit)\b/.test(line)).at(-1);
  return (named ?? errorLines[0] ?? lines[0])?.replace(/^E\s+/, "").trim();
}

function lastLines(text: string, count: number): string {
  return text.trim().split("\n").slice(-count).join("\n");
}
