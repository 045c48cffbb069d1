import { isActiveStatus } from "@/server/runs/events/run-status";
import { canAccessProject } from "@/server/access/project-access";
import { requireRun } from "@/server/access/run-access";
import type { Db } from "@/server/db/client";
import type { TIndependentRun } from "./events/contract";
import { applyRunEvents, initialRunEventState } from "./events/fold-run-view";
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
  const reverify = await readReverifications(options.db, run.id);
  return {
    ...toRunSummaryDto(run),
    projectName: run.project.name,
    contextFiles: run.task.contextFiles,
    branch: run.branch,
    baseCommit: run.baseCommit,
    headCommit: run.headCommit,
    verification: readVerification(run.verification),
    merged: merged && { into: merged.into, commit: merged.commit, kind: merged.kind, forced: merged.forced },
    ...reverify,
    notVerified: isActiveStatus(run.status) ? null : notVerified(run),
    modelSettings: run.modelSettings,
    lastSeq: run.lastSeq,
    steps: run.steps.map(({ runId: _runId, ...step }) => step),
    canWrite: options.canWrite,
  };
}

/** The Re-verify records, through the run page's own fold (events after run.finished never reach its stream). */
async function readReverifications(db: Db, runId: string): Promise<{ reverifications: TIndependentRun[]; reverifying: boolean }> {
  const rows = await db.runEvent.findMany({ where: { runId, type: { in: ["verification.reverify_started", "verification.reverified"] } }, orderBy: { seq: "asc" } });
  const state = applyRunEvents(initialRunEventState, rows.map((row) => ({ seq: row.seq, type: row.type, payload: row.payload as Record<string, unknown>, createdAt: row.createdAt, version: row.version })));
  return { reverifications: state.reverifications, reverifying: state.reverifying };
}

export async function getRun(options: { db: Db; userId: string; runId: string }): Promise<TRunDto> {
  const run = await requireRun({ ...options, need: "read" });
  const dto = await loadRunDto({ db: options.db, runId: run.id, canWrite: canAccessProject(run.project, options.userId, "write") });
  return dto!;
}
