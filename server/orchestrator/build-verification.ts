import type { Verdict } from "@/server/agents/critic";
import type { TFileChangeReview, TIndependentRun, TVerificationOutcome } from "@/server/runs/events/contract";
import { OUTCOME_HEADLINES } from "@/server/runs/events/run-status";
import type { BaselineSummary } from "./verify-suite";
import type { CommandRecord, TestRecord, Verification } from "./run-types";

/** coveredByStep: not run again, since that step's passing run ran every test file on the same tree. */
export type FinalRun = { passed: boolean; reason?: string; coveredByStep?: string };
export type AcceptanceReview = { outcome: TVerificationOutcome; independent: TIndependentRun; harness: TFileChangeReview[]; tests: TFileChangeReview[] };

/** What was executed, for the critic: each command with its exit code, and the final full run. */
export function describeCommands(commands: CommandRecord[], finalRun: FinalRun | undefined): string {
  const lines = commands.map((c) => `- [${c.stepId ?? "final"}] ${c.command} -> exit ${c.exitCode ?? "none"}${c.passed ? " (passed)" : ` (failed: ${c.reason})`}`);
  if (finalRun?.coveredByStep) lines.push(`The final full test run was not repeated: step ${finalRun.coveredByStep}'s passing run ran every test file on the same files.`);
  else if (finalRun) lines.push(finalRun.passed ? "The final full test run passed." : `The final full test run failed: ${finalRun.reason}`);
  return lines.length ? lines.join("\n") : "Nothing was executed (no Python tests apply to these changes).";
}

/** The run's verification: verified only by a passing final run, never by the critic's word alone. */
export function buildVerification(input: {
  commands: CommandRecord[];
  modelTestFiles: Set<string>;
  testsChangedByDebugger: Set<string>;
  tests: TestRecord[];
  finalRun: FinalRun | undefined;
  verdict: Verdict | null;
  failed: boolean;
  baseline?: BaselineSummary;
  /** The independent re-verification and what the run changed in its tests and harness (acceptance-set.ts). */
  review?: AcceptanceReview;
}): Verification {
  let outcome: Verification["outcome"];
  if (input.finalRun?.passed && !input.failed) outcome = input.review?.outcome ?? "verified";
  else if (input.failed && input.commands.some((c) => !c.passed)) outcome = "failed";
  else if (input.commands.length === 0 && input.verdict?.verdict === "PASS" && !input.failed) outcome = "asserted";
  else if (input.commands.length === 0) outcome = "not_run";
  else outcome = "failed";
  const model = input.tests.filter((t) => t.origin === "model");
  const repository = input.tests.filter((t) => t.origin === "repository");
  const count = (tests: TestRecord[]) => `${tests.filter((t) => t.status === "passed").length}/${tests.length} passed`;
  const summary = [
    OUTCOME_HEADLINES[outcome],
    `${input.commands.length} command(s) run; tests written by the model: ${count(model)}; tests already in the repository: ${count(repository)}.`,
    ...(input.testsChangedByDebugger.size ? [`The debugger changed these test files: ${[...input.testsChangedByDebugger].join(", ")}.`] : []),
    ...(input.baseline
      ? [`Against the base commit${input.baseline.baselineAvailable ? "" : " (no baseline: it could not be run)"}: ${input.baseline.regressions.length} regression(s), ${input.baseline.alreadyFailing.length} already failing, ${input.baseline.newTests.length} new test(s).`]
      : []),
  ].join(" ");
  return {
    outcome,
    harnessChanges: input.review?.harness ?? [],
    testChanges: input.review?.tests ?? [],
    ...(input.review ? { independent: input.review.independent } : {}),
    commands: input.commands,
    modelTestFiles: [...input.modelTestFiles],
    testsChangedByDebugger: [...input.testsChangedByDebugger],
    tests: input.tests,
    ...(input.baseline ? { baseline: input.baseline } : {}),
    summary,
  };
}
