import type { Db } from "@/server/db/client";
import { AppError } from "@/server/errors";
import { canAccessProject, type Access } from "./project-access";

export const RUN_NOT_FOUND_MESSAGE = "Run not found. It may have been deleted, or you do not have access to it.";

/** Loads a run the user may access; any other run, existing or not, is NOT_FOUND. */
export async function requireRun(options: { db: Db; userId: string; runId: string; need: Access }) {
  const run = await options.db.run.findUnique({
    where: { id: options.runId },
    include: { task: true, project: { include: { members: { select: { userId: true, role: true } } } } },
  });
  if (!run || !canAccessProject(run.project, options.userId, "read")) {
    throw new AppError("NOT_FOUND", RUN_NOT_FOUND_MESSAGE);
  }
  if (!canAccessProject(run.project, options.userId, options.need)) {
    throw new AppError("FORBIDDEN", "You can view this run but not change it. Ask the project's owner for editor access.");
  }
  return run;
}
