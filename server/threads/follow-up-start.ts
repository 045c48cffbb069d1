import type { Db } from "@/server/db/client";
import { AppError } from "@/server/errors";

/**
 * Where a follow-up's branch starts: the previous turn's last commit (its head, else its base). Undefined for
 * a first turn, which starts from the project's head.
 */
export async function followUpStart(db: Db, run: { parentRunId: string | null }): Promise<string | undefined> {
  if (!run.parentRunId) return undefined;
  const parent = await db.run.findUnique({ where: { id: run.parentRunId }, select: { headCommit: true, baseCommit: true } });
  const start = parent?.headCommit ?? parent?.baseCommit;
  if (!start) throw new AppError("CONFLICT", "The previous turn of this conversation never got a branch (it ended before starting); start a new task instead.");
  return start;
}
