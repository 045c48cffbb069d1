import { z } from "zod";
import type { StoredEvent } from "@/server/runs/run-events";

/** One line of a run's progress as MCP clients get it: a log notification, or a progress notification. */
export interface ProgressItem {
  runId: string;
  seq: number;
  kind: "queued" | "started" | "plan" | "step" | "edit" | "command" | "debug" | "verification" | "verdict" | "budget" | "cancel" | "finished";
  message: string;
  stepId?: string;
  exitCode?: number | null;
  passed?: boolean;
  status?: string;
}

// Only the fields progress lines use; the rest of each payload stays in the event log resource.
const ZStep = z.object({ id: z.string(), agent: z.string(), description: z.string(), file: z.string().nullish() });
const ZPayload = z
  .object({
    stepId: z.string().nullish(),
    steps: z.array(z.unknown()),
    agent: z.string(),
    description: z.string(),
    file: z.string().nullish(),
    path: z.string(),
    error: z.string(),
    status: z.string(),
    reason: z.string().nullish(),
    command: z.string(),
    exitCode: z.number().nullish(),
    passed: z.boolean(),
    durationMs: z.number(),
    attempt: z.number(),
    of: z.number(),
    verdict: z.union([z.string(), z.object({ verdict: z.string() }).passthrough()]).nullish(),
    reasons: z.array(z.string()),
    message: z.string(),
    name: z.string(),
    ok: z.boolean(),
    changes: z.array(z.object({ added: z.number(), removed: z.number() }).passthrough()),
    verification: z.object({ summary: z.string() }).passthrough().nullish(),
  })
  .partial();

const seconds = (ms: number | undefined) => (ms === undefined ? "" : `, ${(ms / 1000).toFixed(1)} s`);

/** The progress line for one event of the run's log, or null for events that are not progress (tokens, usage, memory). */
export function describeRunEvent(runId: string, event: StoredEvent): ProgressItem | null {
  const parsed = ZPayload.safeParse(event.payload);
  const p = parsed.success ? parsed.data : {};
  const base = { runId, seq: event.seq, ...(p.stepId ? { stepId: p.stepId } : {}) };
  switch (event.type) {
    case "run.queued":
      return { ...base, kind: "queued", message: "Queued: waiting for a worker." };
    case "run.started":
      return { ...base, kind: "started", message: "Started: planning the task." };
    case "plan.created": {
      const steps = (p.steps ?? []).flatMap((step) => {
        const s = ZStep.safeParse(step);
        return s.success ? [`${s.data.id} ${s.data.agent}${s.data.file ? ` ${s.data.file}` : ""}: ${s.data.description}`] : [];
      });
      return { ...base, kind: "plan", message: `Plan with ${steps.length} step(s):\n${steps.map((s) => `- ${s}`).join("\n")}` };
    }
    case "step.started":
      return { ...base, kind: "step", status: "running", message: `Step ${p.stepId} started (${p.agent ?? "agent"}${p.file ? `, ${p.file}` : ""}): ${p.description ?? ""}`.trim() };
    case "step.finished":
      return { ...base, kind: "step", status: p.status, message: `Step ${p.stepId} ${p.status ?? "finished"}${p.reason ? `: ${p.reason}` : "."}` };
    case "edit.applied": {
      const added = (p.changes ?? []).reduce((sum, c) => sum + c.added, 0);
      const removed = (p.changes ?? []).reduce((sum, c) => sum + c.removed, 0);
      return { ...base, kind: "edit", message: `Edited ${p.path} (+${added} -${removed}).` };
    }
    case "edit.rejected":
      return { ...base, kind: "edit", passed: false, message: `Edit of ${p.path} rejected: ${p.error ?? "no reason given"}` };
    case "sandbox.command":
      return {
        ...base,
        kind: "command",
        exitCode: p.exitCode ?? null,
        passed: p.passed,
        message: `$ ${p.command} -> exit ${p.exitCode ?? "none"}${seconds(p.durationMs)}${p.passed ? " (passed)" : ` (failed${p.reason ? `: ${p.reason}` : ""})`}`,
      };
    case "tool.executed":
      return { ...base, kind: "command", exitCode: p.exitCode ?? null, passed: p.ok, message: `Tool ${p.name} -> exit ${p.exitCode ?? "none"} (${p.ok ? "ok" : "failed"})` };
    case "debug.started":
      return { ...base, kind: "debug", message: `Debugging step ${p.stepId} (attempt ${p.attempt} of ${p.of})${p.reason ? `: ${p.reason}` : ""}` };
    case "verification.started":
      return { ...base, kind: "verification", message: "Final test run of the whole workspace." };
    case "verdict": {
      const verdict = typeof p.verdict === "string" ? p.verdict : (p.verdict?.verdict ?? "?");
      return { ...base, kind: "verdict", status: verdict, message: `Critic verdict: ${verdict}${p.reasons?.length ? ` (${p.reasons.join("; ")})` : ""}` };
    }
    case "budget.exceeded":
      return { ...base, kind: "budget", message: p.message ?? "A budget was exceeded." };
    case "run.cancel_requested":
      return { ...base, kind: "cancel", message: "Cancellation requested." };
    case "run.finished":
      return { ...base, kind: "finished", status: p.status, message: `Finished: ${p.status ?? "unknown"}${p.reason ? ` (${p.reason})` : ""}. ${p.verification?.summary ?? ""}`.trim() };
    default:
      return null;
  }
}
