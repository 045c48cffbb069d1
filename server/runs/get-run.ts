import { isActiveStatus } from "@/server/runs/events/run-status";
import { canAccessProject } from "@/server/access/project-access";
import { requireRun } from "@/server/access/run-access";
import type { Db } from "@/server/db/client";
import { readVerification, toRunSummaryDto, type TRunDto } from "./run-dto";
import { lastMerge, notVerified } from "./run-git";

/** The run page's record of a run, for someone allowed to see it (or for a share link, with userId null). */
export async function loadRunDto(options: { db: Db; runId: string; canWrite: boolean }): Promise<TRunDto | null> {
  const run = await options.db.run.findUnique({
    where: { id: options.runId },
    include: { task: true, project: { select: { name: true } }, steps: { orderBy: { order: "asc" } } },
  });
  if (!run) return null;
  const merged = await lastMerge(options.db, run.id);
  return {
    ...toRunSummaryDto(run),
    projectName: run.project.name,
    contextFiles: run.task.contextFiles,
    branch: run.branch,
    baseCommit: run.baseCommit,
    headCommit: run.headCommit,
    verification: readVerification(run.verification),
    merged: merged && { into: merged.into, commit: merged.commit, kind: merged.kind, forced: merged.forced },
    notVerified: isActiveStatus(run.status) ? null : notVerified(run),
    modelSettings: run.modelSettings,
    lastSeq: run.lastSeq,
    steps: run.steps.map(({ runId: _runId, ...step }) => step),
    canWrite: options.canWrite,
  };
}

export async function getRun(options: { db: Db; userId: string; runId: string }): Promise<TRunDto> {
  const run = await requireRun({ ...options, need: "read" });
  const dto = await loadRunDto({ db: options.db, runId: run.id, canWrite: canAccessProject(run.project, options.userId, "write") });
  return dto!;
}
