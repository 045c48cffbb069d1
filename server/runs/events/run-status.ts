/**
 * The one mapping from a run's status and verification outcome to what every reader shows: the run page, the
 * history, the dashboard, share links, tRPC DTOs, the original API's results and stream, WebSocket and MCP.
 * Browser-safe. A succeeded run whose outcome needs review is NEEDS_REVIEW (amber), never SUCCEEDED (green).
 */
import { REVIEW_OUTCOMES, type TVerificationOutcome } from "./contract";

export const DISPLAY_STATUSES = ["QUEUED", "RUNNING", "AWAITING_APPROVAL", "SUCCEEDED", "NEEDS_REVIEW", "FAILED", "CANCELLED", "INTERRUPTED"] as const;
export type DisplayStatus = (typeof DISPLAY_STATUSES)[number];

/** Statuses of a run that has not ended: it may still change the branch, so no follow-up, re-run or merge yet. */
export const ACTIVE_STATUSES = ["QUEUED", "RUNNING", "AWAITING_APPROVAL"] as const;

/** `status` in either case. */
export function isActiveStatus(status: string): boolean {
  return (ACTIVE_STATUSES as readonly string[]).includes(status.toUpperCase());
}

export function needsReview(outcome: string | null | undefined): boolean {
  return outcome != null && (REVIEW_OUTCOMES as readonly string[]).includes(outcome);
}

/** `status` in either case (SUCCEEDED or succeeded); outcome from the run's verification record. */
export function displayStatus(status: string, outcome: string | null | undefined): DisplayStatus {
  const key = status.toUpperCase();
  if (key === "SUCCEEDED" && (outcome == null || needsReview(outcome))) return "NEEDS_REVIEW";
  return ((DISPLAY_STATUSES as readonly string[]).includes(key) ? key : "FAILED") as DisplayStatus;
}

export type StatusTone = "neutral" | "info" | "attention" | "success" | "warning" | "danger";
export type StatusIcon = "clock" | "spinner" | "flag" | "check" | "eye" | "cross" | "stop" | "pause";

/**
 * The one vocabulary for a run's state: the word, the colour (a tone each page maps to its palette, light and
 * dark) and the icon, used by every badge, history row, the tab title and the live announcer.
 */
export const STATUS_PRESENTATION: Record<DisplayStatus, { label: string; tone: StatusTone; icon: StatusIcon; active: boolean }> = {
  QUEUED: { label: "Queued", tone: "neutral", icon: "clock", active: true },
  RUNNING: { label: "Running", tone: "info", icon: "spinner", active: true },
  AWAITING_APPROVAL: { label: "Awaiting approval", tone: "attention", icon: "flag", active: true },
  SUCCEEDED: { label: "Succeeded", tone: "success", icon: "check", active: false },
  NEEDS_REVIEW: { label: "Needs review", tone: "warning", icon: "eye", active: false },
  FAILED: { label: "Failed", tone: "danger", icon: "cross", active: false },
  CANCELLED: { label: "Cancelled", tone: "neutral", icon: "stop", active: false },
  INTERRUPTED: { label: "Interrupted", tone: "warning", icon: "pause", active: false },
};

/** The presentation of a status in any case (SUCCEEDED, succeeded); anything unknown reads as FAILED. */
export function presentStatus(status: string) {
  const key = status.toUpperCase();
  return STATUS_PRESENTATION[(DISPLAY_STATUSES as readonly string[]).includes(key) ? (key as DisplayStatus) : "FAILED"];
}

/** A stored reason as a sentence ("cancelled by the user" -> "Cancelled by the user"). */
export function reasonSentence(reason: string): string {
  return reason.charAt(0).toUpperCase() + reason.slice(1);
}

/** One headline per outcome, for the page, the original API's final line and MCP. */
export const OUTCOME_HEADLINES: Record<TVerificationOutcome, string> = {
  verified: "Verified by execution: the frozen acceptance tests passed in an independent re-run of the branch.",
  verified_with_changed_tests: "Needs review: the tests pass only as the debugger changed them; the frozen tests fail.",
  verified_with_changed_harness: "Needs review: the tests pass only with the run's own changes to the test harness.",
  asserted: "Needs review: nothing runnable was executed; only the critic's PASS supports the result.",
  failed: "Execution failed: see the commands and test results.",
  not_run: "Needs review: nothing was executed.",
};

export const OUTCOME_LABELS: Record<TVerificationOutcome, string> = {
  verified: "Verified by execution",
  verified_with_changed_tests: "Needs review: tests changed",
  verified_with_changed_harness: "Needs review: harness changed",
  asserted: "Needs review: not executed",
  failed: "Failed",
  not_run: "Needs review: nothing executed",
};

/** What the insights count a run as; null while it has not finished. Stored in Run.outcome by the event fold. */
export type InsightsOutcome = "verified" | "needs_review" | "failed" | "cancelled";
export function insightsOutcome(status: string, outcome: string | null | undefined): InsightsOutcome | null {
  switch (status.toUpperCase()) {
    case "SUCCEEDED":
      return outcome === "verified" ? "verified" : "needs_review";
    case "FAILED":
    case "INTERRUPTED":
      return "failed";
    case "CANCELLED":
      return "cancelled";
    default:
      return null;
  }
}

/** end - start in whole milliseconds (an Int column), or null until both are known. */
export function durationMs(start: Date | null, end: Date | null): number | null {
  return start && end ? Math.min(Math.max(0, Math.round(end.getTime() - start.getTime())), 2_147_483_647) : null;
}
