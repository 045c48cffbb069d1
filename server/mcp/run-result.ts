import type { RunDiff } from "@/server/git/diff-run";
import { ZVerification, type TVerification } from "@/server/runs/events/contract";
import { isActiveStatus, OUTCOME_HEADLINES } from "@/server/runs/events/run-status";
import type { TRunDto } from "@/server/runs/run-dto";

/** What a result shows of the diff before pointing at get_diff; a calling model's context is not free. */
export const MAX_INLINE_DIFF_CHARS = 20_000;

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
const isBad = (status: string) => status === "failed" || status === "error";

/** The run's stored verification record read through the event contract (old records get its defaults). */
export function readVerification(value: unknown): TVerification | null {
  if (value == null) return null;
  const parsed = ZVerification.safeParse(value);
  return parsed.success ? parsed.data : null;
}

/** The first line of every run result: the verification outcome, plainly, so a calling model cannot miss it. */
export function outcomeHeadline(run: TRunDto): string {
  if (isActiveStatus(run.status)) {
    const done = run.steps.filter((s) => s.status !== "PENDING" && s.status !== "RUNNING").length;
    return `NOT finished: the run is ${run.status.toLowerCase()} (${done} of ${run.steps.length} step(s) done). Call wait_for_run again.`;
  }
  const verification = readVerification(run.verification);
  if (run.status === "SUCCEEDED" && verification?.outcome === "verified") {
    const passed = verification.tests.filter((t) => t.status === "passed").length;
    const regressions = verification.tests.filter((t) => t.origin === "repository" && isBad(t.status)).length;
    return `Verified by execution: ${plural(passed, "test")} passed, ${plural(regressions, "regression")}.`;
  }
  if (run.status === "CANCELLED") return "NOT verified: the run was cancelled.";
  if (run.status === "INTERRUPTED") return `NOT verified: the run was interrupted${run.statusReason ? ` (${run.statusReason})` : ""}.`;
  if (run.status === "SUCCEEDED" && (verification?.outcome === "verified_with_changed_tests" || verification?.outcome === "verified_with_changed_harness")) {
    return `NOT verified (needs review): ${OUTCOME_HEADLINES[verification.outcome].replace(/^Needs review: /, "")}`;
  }
  if (verification?.outcome === "asserted") return "NOT verified: nothing runnable was executed; only the critic's PASS supports the result.";
  if (verification?.outcome === "not_run" && run.status === "SUCCEEDED") return "NOT verified: nothing was executed.";
  return `NOT verified: ${run.statusReason ?? (run.status === "SUCCEEDED" ? "the run recorded no verification" : "the run failed")}.`;
}

/** The unified diff of a run's branch (or of one file of it), as `git diff` prints it. */
export function diffText(diff: RunDiff | null, file?: string): string {
  if (!diff) return "";
  return diff.files.filter((f) => file === undefined || f.path === file || f.oldPath === file).map((f) => f.patch).join("");
}

function diffSection(runId: string, diff: RunDiff | null): string[] {
  if (!diff || diff.files.length === 0) return ["Diff: no changes."];
  const lines = [`Diff: ${plural(diff.files.length, "file")} changed (+${diff.added} -${diff.removed}): ${diff.files.map((f) => `${f.path} (${f.status}, +${f.added} -${f.removed})`).join(", ")}`];
  const text = diffText(diff);
  if (text.length <= MAX_INLINE_DIFF_CHARS) lines.push("", text.trimEnd());
  else lines.push(`The diff is ${text.length.toLocaleString("en")} characters: read it per file with get_diff { runId: "${runId}", file }.`);
  return lines;
}

/** A run as a calling model reads it: the outcome first, then what ran, the tests, usage and the diff. */
export function describeRun(run: TRunDto, diff: RunDiff | null): { text: string; structured: Record<string, unknown> } {
  const headline = outcomeHeadline(run);
  const verification = readVerification(run.verification);
  const lines = [headline, `Run ${run.id}: ${run.status} in project "${run.projectName}" (${run.projectId}). Task: ${run.prompt.slice(0, 300)}`];
  if (run.statusReason) lines.push(`Reason: ${run.statusReason}`);
  if (run.verdict) lines.push(`Critic verdict: ${run.verdict}`);
  if (verification) {
    // The run's own harness and test changes come first: they decide whether any result below can be trusted.
    for (const change of verification.harnessChanges) lines.push(`Harness changed by the run: ${change.path} (${change.reason})`, change.diff.trimEnd());
    for (const change of verification.testChanges) lines.push(`Frozen test changed by the debugger: ${change.path}. Reason: ${change.reason}`, change.diff.trimEnd());
    if (verification.independent) {
      const i = verification.independent;
      lines.push(`Independent re-verification (container ${i.containerId?.slice(0, 12) ?? "?"}, commit ${i.commit?.slice(0, 10) ?? "?"}): ${i.passed ? "passed" : `failed${i.reason ? `: ${i.reason}` : ""}`}`);
    }
    lines.push(`Verification: ${verification.summary}`);
    if (verification.commands.length) {
      lines.push("Commands run in the sandbox:", ...verification.commands.map((c) => `- [${c.stepId ?? "final"}] ${c.command} -> exit ${c.exitCode ?? "none"}${c.passed ? "" : ` (failed${c.reason ? `: ${c.reason}` : ""})`}`));
    }
    const failing = verification.tests.filter((t) => isBad(t.status));
    if (failing.length) lines.push(`Failing tests: ${failing.map((t) => `${t.classname}::${t.name} (${t.origin})`).join(", ")}`);
    if (verification.testsChangedByDebugger.length) lines.push(`Test files the debugger changed: ${verification.testsChangedByDebugger.join(", ")}`);
  }
  lines.push(`Steps: ${run.steps.map((s) => `${s.planStepId} ${s.agent}${s.targetFile ? ` ${s.targetFile}` : ""} ${s.status}`).join("; ") || "none yet"}`);
  lines.push(`Usage: ${run.tokensIn} tokens in, ${run.tokensOut} out, $${run.costUsd.toFixed(4)}.`);
  if (run.branch) lines.push(`Branch: ${run.branch} (base ${run.baseCommit?.slice(0, 10)}, head ${run.headCommit?.slice(0, 10)}).`);
  if (!isActiveStatus(run.status)) lines.push(...diffSection(run.id, diff));
  const structured = {
    runId: run.id,
    status: run.status,
    outcome: headline,
    verified: headline.startsWith("Verified by execution"),
    needsReview: run.displayStatus === "NEEDS_REVIEW",
    statusReason: run.statusReason,
    verdict: run.verdict,
    verification: run.verification,
    tests: verification && {
      passed: verification.tests.filter((t) => t.status === "passed").length,
      failed: verification.tests.filter((t) => isBad(t.status)).length,
      regressions: verification.tests.filter((t) => t.origin === "repository" && isBad(t.status)).map((t) => `${t.classname}::${t.name}`),
    },
    steps: run.steps.map((s) => ({ id: s.planStepId, agent: s.agent, file: s.targetFile, status: s.status, attempts: s.attempts })),
    usage: { tokensIn: run.tokensIn, tokensOut: run.tokensOut, costUsd: run.costUsd },
    branch: run.branch,
    baseCommit: run.baseCommit,
    headCommit: run.headCommit,
    diffStat: diff ? { files: diff.files.map((f) => ({ path: f.path, status: f.status, added: f.added, removed: f.removed })), added: diff.added, removed: diff.removed } : null,
    resources: { events: `autocode://runs/${run.id}/events`, diff: `autocode://runs/${run.id}/diff` },
  };
  return { text: lines.join("\n"), structured };
}
