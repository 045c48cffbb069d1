import { assertNever, type StoredEvent } from "@/server/runs/events/contract";
import { readRunEvent } from "@/server/runs/events/read-run-event";

/** One line of a run's progress as MCP clients get it: a log notification, or a progress notification. */
export interface ProgressItem {
  runId: string;
  seq: number;
  kind: "queued" | "started" | "plan" | "step" | "edit" | "command" | "debug" | "verification" | "verdict" | "budget" | "cancel" | "merge" | "push" | "pull_request" | "finished";
  message: string;
  stepId?: string;
  exitCode?: number | null;
  passed?: boolean;
  status?: string;
}

const seconds = (ms: number | undefined) => (ms === undefined ? "" : `, ${(ms / 1000).toFixed(1)} s`);

/** The progress line for one event of the run's log, or null for events that are not progress (tokens, usage, memory). */
export function describeRunEvent(runId: string, stored: StoredEvent): ProgressItem | null {
  const event = readRunEvent(stored);
  const stepId = "stepId" in event.payload ? event.payload.stepId : null;
  const base = { runId, seq: event.seq, ...(stepId ? { stepId } : {}) };
  switch (event.type) {
    case "run.queued":
      return { ...base, kind: "queued", message: "Queued: waiting for a worker." };
    case "run.started":
      return { ...base, kind: "started", message: "Started: planning the task." };
    case "plan.created": {
      const steps = event.payload.steps.map((s) => `${s.id} ${s.agent}${s.file ? ` ${s.file}` : ""}: ${s.description}`);
      return { ...base, kind: "plan", message: `Plan with ${steps.length} step(s):\n${steps.map((s) => `- ${s}`).join("\n")}` };
    }
    case "step.started": {
      const p = event.payload;
      return { ...base, kind: "step", status: "running", message: `Step ${p.stepId} started (${p.agent || "agent"}${p.file ? `, ${p.file}` : ""}): ${p.description}`.trim() };
    }
    case "step.finished": {
      const p = event.payload;
      return { ...base, kind: "step", status: p.status, message: `Step ${p.stepId} ${p.status}${p.reason ? `: ${p.reason}` : "."}` };
    }
    case "edit.applied": {
      const added = event.payload.changes.reduce((sum, c) => sum + c.added, 0);
      const removed = event.payload.changes.reduce((sum, c) => sum + c.removed, 0);
      return { ...base, kind: "edit", message: `Edited ${event.payload.path} (+${added} -${removed}).` };
    }
    case "edit.rejected":
      return { ...base, kind: "edit", passed: false, message: `Edit of ${event.payload.path} rejected: ${event.payload.error || "no reason given"}` };
    case "sandbox.command": {
      const p = event.payload;
      return {
        ...base,
        kind: "command",
        exitCode: p.exitCode,
        passed: p.passed,
        message: `$ ${p.command} -> exit ${p.exitCode ?? "none"}${seconds(p.durationMs)}${p.passed ? " (passed)" : ` (failed${p.reason ? `: ${p.reason}` : ""})`}`,
      };
    }
    case "tool.executed": {
      const p = event.payload;
      return { ...base, kind: "command", exitCode: p.exitCode, passed: p.ok, message: `Tool ${p.name} -> exit ${p.exitCode ?? "none"} (${p.ok ? "ok" : "failed"})` };
    }
    case "debug.started": {
      const p = event.payload;
      return { ...base, kind: "debug", message: `Debugging step ${p.stepId} (attempt ${p.attempt} of ${p.of})${p.reason ? `: ${p.reason}` : ""}` };
    }
    case "verification.started":
      return { ...base, kind: "verification", message: "Final test run of the whole workspace." };
    case "verdict": {
      const { verdict, reasons } = event.payload;
      return { ...base, kind: "verdict", status: verdict, message: `Critic verdict: ${verdict}${reasons.length ? ` (${reasons.join("; ")})` : ""}` };
    }
    case "budget.exceeded":
      return { ...base, kind: "budget", message: event.payload.message || "A budget was exceeded." };
    case "run.cancel_requested":
      return { ...base, kind: "cancel", message: "Cancellation requested." };
    case "run.pushed":
      return { ...base, kind: "push", message: `Pushed ${event.payload.branch} (${event.payload.commit.slice(0, 10)}) to the project's remote.` };
    case "run.pull_request":
      return { ...base, kind: "pull_request", status: event.payload.state, message: `${event.payload.provider === "gitlab" ? "Merge" : "Pull"} request #${event.payload.number} ${event.payload.state}: ${event.payload.url}` };
    case "plan.awaiting_approval":
      return { ...base, kind: "plan", status: "awaiting_approval", message: `The plan waits for review until ${event.payload.expiresAt}: approve or reject it on the run page or with run.approvePlan / run.rejectPlan.` };
    case "plan.approved":
      return { ...base, kind: "plan", status: "approved", message: `Plan ${event.payload.edited ? "edited and approved" : "approved"} (${event.payload.steps.length} step(s)); the run continues.` };
    case "plan.rejected":
      return { ...base, kind: "plan", status: "rejected", message: `Plan rejected${event.payload.reason ? `: ${event.payload.reason}` : "."}` };
    case "run.merged":
      return { ...base, kind: "merge", message: `Merged into ${event.payload.into} (${event.payload.kind})${event.payload.forced ? ", forced although not verified" : ""}.` };
    case "run.finished": {
      const p = event.payload;
      return { ...base, kind: "finished", status: p.status, message: `Finished: ${p.status}${p.reason ? ` (${p.reason})` : ""}. ${p.verification?.summary ?? ""}`.trim() };
    }
    case "run.claimed":
    case "run.branched":
    case "memory.recalled":
    case "memory.unavailable":
    case "memory.remembered":
    case "plan.started":
    case "step.running":
    case "step.committed":
    case "step.commit_failed":
    case "test.result":
    case "llm.tokens":
    case "llm.call":
    case "llm.discarded":
    case "agent.repair":
    case "sandbox.seeded":
    case "environment.waiting":
    case "environment.building":
    case "environment.ready":
    case "environment.changing":
    case "environment.changed":
    case "environment.change_failed":
    case "verification.baseline":
    case "verification.progress":
    case "sandbox.output":
    case "acceptance.frozen":
    case "verification.reverify_started":
    case "verification.reverified":
    case "unreadable":
      return null;
    default:
      return assertNever(event);
  }
}
