import type { TVerification } from "@/server/runs/events/contract";
import { OUTCOME_HEADLINES } from "@/server/runs/events/run-status";

const MAX_BODY_CHARS = 60_000;
const fence = (text: string) => text.replace(/`/g, "ˋ");

/** The pull request's body: the run's verification record (outcome, commands with exit codes, tests, regressions, the critic's reasons) and its share link. */
export function pullRequestBody(input: {
  prompt: string;
  verification: TVerification | null;
  verdict: { verdict: string; reasons: string[] } | null;
  shareUrl: string | null;
  runId: string;
  forcedReason: string | null;
}): string {
  const v = input.verification;
  const lines = [`Opened by AutoCodeAI from run \`${input.runId}\`.`, "", "### Task", "", input.prompt.slice(0, 4000), "", "### Verification", ""];
  if (input.forcedReason) lines.push(`> **Not verified:** ${input.forcedReason}. Opened anyway by a reviewer's confirmation.`, "");
  if (!v) lines.push("No verification was recorded for this run.");
  else {
    lines.push(`**Outcome:** \`${v.outcome}\` — ${OUTCOME_HEADLINES[v.outcome]}`, "");
    const commands = v.independent?.commands.length ? v.independent.commands : v.commands;
    if (commands.length) {
      lines.push("| Command | Exit code | Result |", "|---|---|---|");
      for (const c of commands.slice(0, 30)) lines.push(`| \`${fence(c.command).slice(0, 200)}\` | ${c.exitCode ?? (c.timedOut ? "timed out" : "none")} | ${c.passed ? "passed" : `failed${c.reason ? `: ${fence(c.reason).slice(0, 200)}` : ""}`} |`);
      lines.push("");
    }
    const tests = v.independent?.tests.length ? v.independent.tests : v.tests;
    const passed = tests.filter((t) => t.status === "passed").length;
    lines.push(`**Tests:** ${passed} of ${tests.length} passed${v.independent ? " in the independent re-run" : ""}.`);
    if (v.baseline) {
      lines.push(`**Regressions against the base commit:** ${v.baseline.regressions.length ? v.baseline.regressions.map((r) => `\`${fence(r)}\``).join(", ") : "none"}.`);
      if (v.baseline.alreadyFailing.length) lines.push(`**Already failing before the run:** ${v.baseline.alreadyFailing.length}.`);
    }
    if (v.harnessChanges.length || v.testChanges.length) lines.push(`**Changed by the run:** ${[...v.harnessChanges, ...v.testChanges].map((c) => `\`${fence(c.path)}\``).join(", ")} (test or harness files: review them first).`);
  }
  if (input.verdict) lines.push("", `**Critic:** ${input.verdict.verdict}`, ...input.verdict.reasons.slice(0, 10).map((r) => `- ${r}`));
  lines.push("", input.shareUrl ? `Full record (plan, agents' output, commands, tests, diff): ${input.shareUrl}` : "Full record: set AUTH_URL on the server to get a share link here.");
  const body = lines.join("\n");
  return body.length > MAX_BODY_CHARS ? `${body.slice(0, MAX_BODY_CHARS)}\n\n[truncated]` : body;
}
