import { z } from "zod";
import type { Db } from "@/server/db/client";
import { AppError } from "@/server/errors";
import { resolveShareToken } from "@/server/share/share-links";
import { threadIdOf } from "@/server/threads/follow-up";
import { readRunEvent } from "@/server/runs/events/read-run-event";

/** How much of each agent's output a folded turn shows: the end, as the live panes do. */
export const MAX_TURN_OUTPUT_CHARS = 12_000;

export const ZTurnOutputDto = z.object({
  panes: z.array(z.object({ stepId: z.string().nullable(), role: z.string(), text: z.string(), truncated: z.boolean() })),
});
export type TTurnOutputDto = z.infer<typeof ZTurnOutputDto>;

/**
 * A turn's agents' output as its page showed it when it ended: one pane per step and agent, in the order they first
 * spoke, streamed text with the answers thrown away on a retry taken out, the last MAX_TURN_OUTPUT_CHARS of each.
 * Access is the caller's check.
 */
export async function listTurnOutput(options: { db: Db; runId: string }): Promise<TTurnOutputDto> {
  const rows = await options.db.runEvent.findMany({
    where: { runId: options.runId, type: { in: ["llm.tokens", "llm.discarded"] } },
    orderBy: { seq: "asc" },
    select: { seq: true, type: true, payload: true, createdAt: true, version: true },
  });
  const panes = new Map<string, { stepId: string | null; role: string; text: string; truncated: boolean }>();
  for (const row of rows) {
    const event = readRunEvent({ ...row, payload: row.payload as Record<string, unknown> });
    if (event.type !== "llm.tokens" && event.type !== "llm.discarded") continue;
    const { stepId, role } = event.payload;
    const key = `${stepId ?? "run"}:${role}`;
    const pane = panes.get(key) ?? { stepId: stepId ?? null, role, text: "", truncated: false };
    panes.set(key, pane);
    if (event.type === "llm.discarded") pane.text = pane.text.slice(0, Math.max(0, pane.text.length - event.payload.discardedChars));
    else {
      pane.text += event.payload.text;
      // More than is shown is kept while reading, so a retry thrown away near the end does not eat into what is shown.
      if (pane.text.length > 3 * MAX_TURN_OUTPUT_CHARS) [pane.text, pane.truncated] = [pane.text.slice(-2 * MAX_TURN_OUTPUT_CHARS), true];
    }
  }
  return {
    panes: [...panes.values()].map((pane) => (pane.text.length > MAX_TURN_OUTPUT_CHARS ? { ...pane, text: pane.text.slice(-MAX_TURN_OUTPUT_CHARS), truncated: true } : pane)),
  };
}

/** A share link opens its run's whole thread (share.thread): any turn of that thread, nothing outside it. */
export async function listSharedTurnOutput(options: { db: Db; token: string; runId: string }): Promise<TTurnOutputDto> {
  const shared = await resolveShareToken({ db: options.db, token: options.token });
  const [from, turn] = await Promise.all(
    [shared.runId, options.runId].map((id) => options.db.run.findUnique({ where: { id }, select: { id: true, threadId: true } })),
  );
  if (!from || !turn || threadIdOf(from) !== threadIdOf(turn)) throw new AppError("NOT_FOUND", "No such turn in the shared conversation.");
  return listTurnOutput({ db: options.db, runId: turn.id });
}
