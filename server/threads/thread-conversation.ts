import type { Db } from "@/server/db/client";
import { diffRun } from "@/server/git";
import { readRunEvent } from "@/server/runs/events/read-run-event";

/** How many earlier turns the planner sees, and how much of each text, so a long thread stays within a prompt. */
const MAX_TURNS = 8;
const MAX_PROMPT_CHARS = 2_000;
const MAX_REASON_CHARS = 400;
const MAX_FILES = 30;

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)} …(cut)` : text;
}

type Turn = { id: string; parentRunId: string | null; status: string; statusReason: string | null; branch: string | null; baseCommit: string | null; task: { prompt: string } };

/** The earlier turns of a run's thread, oldest first (the parent chain, at most MAX_TURNS). */
async function earlierTurns(db: Db, parentRunId: string): Promise<Turn[]> {
  const turns: Turn[] = [];
  let next: string | null = parentRunId;
  while (next && turns.length < MAX_TURNS) {
    const turn: Turn | null = await db.run.findUnique({
      where: { id: next },
      select: { id: true, parentRunId: true, status: true, statusReason: true, branch: true, baseCommit: true, task: { select: { prompt: true } } },
    });
    if (!turn) break;
    turns.unshift(turn);
    next = turn.parentRunId;
  }
  return turns;
}

async function describeTurn(db: Db, repoPath: string, turn: Turn, index: number): Promise<string> {
  const lines = [`### Turn ${index + 1}`, `Request: ${clip(turn.task.prompt, MAX_PROMPT_CHARS)}`];
  const stored = await db.runEvent.findMany({ where: { runId: turn.id, type: { in: ["plan.created", "step.finished", "verdict"] } }, orderBy: { seq: "asc" } });
  const events = stored.map((e) => readRunEvent({ ...e, payload: e.payload as Record<string, unknown> }));
  const plan = events.findLast((e) => e.type === "plan.created");
  if (plan?.type === "plan.created") {
    lines.push("Plan:", ...plan.payload.steps.map((s, i) => `  ${i + 1}. [${s.agent}] ${clip(s.description, MAX_REASON_CHARS)}${s.file ? ` (${s.file})` : ""}`));
  }
  lines.push(`Outcome: ${turn.status.toLowerCase()}${turn.statusReason ? ` — ${clip(turn.statusReason, MAX_REASON_CHARS)}` : ""}`);
  const verdict = events.findLast((e) => e.type === "verdict");
  if (verdict?.type === "verdict") {
    lines.push(`Critic's verdict: ${verdict.payload.verdict}${verdict.payload.reasons.length ? ` (${verdict.payload.reasons.map((r) => clip(r, MAX_REASON_CHARS)).join("; ")})` : ""}`);
  }
  for (const event of events) {
    if (event.type === "step.finished" && (event.payload.status === "failed" || event.payload.status === "cancelled")) {
      lines.push(`Failed step ${event.payload.stepId}: ${event.payload.status}${event.payload.reason ? ` — ${clip(event.payload.reason, MAX_REASON_CHARS)}` : ""}`);
    }
  }
  if (turn.branch && turn.baseCommit) {
    const diff = await diffRun({ repoPath, branch: turn.branch, baseCommit: turn.baseCommit }).catch(() => null);
    if (diff) {
      const files = diff.files.slice(0, MAX_FILES).map((f) => `${f.path} (${f.status}, +${f.added} -${f.removed})`);
      lines.push(`Changes committed: ${files.length ? files.join(", ") : "none"}${diff.files.length > MAX_FILES ? `, and ${diff.files.length - MAX_FILES} more files` : ""}`);
    }
  }
  return lines.join("\n");
}

/**
 * The task text a follow-up run works on: the conversation so far (each earlier turn's request, plan,
 * outcome, verdict, failures and changed files) and then the new message. A first turn's prompt is unchanged.
 */
export async function taskWithConversation(options: { db: Db; repoPath: string; prompt: string; parentRunId: string | null }): Promise<string> {
  if (!options.parentRunId) return options.prompt;
  const turns = await earlierTurns(options.db, options.parentRunId);
  if (turns.length === 0) return options.prompt;
  const described = [];
  for (const [index, turn] of turns.entries()) described.push(await describeTurn(options.db, options.repoPath, turn, index));
  return [
    "This request continues a conversation about the same branch: the repository already contains the committed work of the earlier turns.",
    "",
    "## Conversation so far",
    described.join("\n\n"),
    "",
    "## The new request (plan for this)",
    options.prompt,
  ].join("\n");
}
