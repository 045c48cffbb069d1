import { z } from "zod";
import type { Db } from "@/server/db/client";
import { RUN_STATUSES } from "@/server/runs/run-schemas";

export const ZThreadTurnDto = z.object({
  runId: z.string(),
  prompt: z.string(),
  status: z.enum(RUN_STATUSES),
  statusReason: z.string().nullable(),
  verdict: z.string().nullable(),
  queuedAt: z.date(),
  finishedAt: z.date().nullable(),
});
export const ZThreadDto = z.object({ threadId: z.string(), turns: z.array(ZThreadTurnDto) });
export type TThreadDto = z.infer<typeof ZThreadDto>;

/** Every turn of the thread a run belongs to, oldest first (a run outside any thread is a thread of one). Access is the caller's check. */
export async function listThread(options: { db: Db; runId: string }): Promise<TThreadDto> {
  const run = await options.db.run.findUniqueOrThrow({ where: { id: options.runId }, select: { id: true, threadId: true } });
  const threadId = run.threadId ?? run.id;
  const rows = await options.db.run.findMany({
    where: { OR: [{ threadId }, { id: threadId }] },
    orderBy: { createdAt: "asc" },
    take: 200,
    select: { id: true, status: true, statusReason: true, verdict: true, queuedAt: true, finishedAt: true, task: { select: { prompt: true } } },
  });
  return {
    threadId,
    turns: rows.map((r) => ({ runId: r.id, prompt: r.task.prompt, status: r.status, statusReason: r.statusReason, verdict: r.verdict, queuedAt: r.queuedAt, finishedAt: r.finishedAt })),
  };
}
