import { isActiveStatus } from "@/server/runs/events/run-status";
import type { Db } from "@/server/db/client";
import { cleanupWorktrees } from "@/server/git";

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The sweep of old run branches and worktrees, per project: the worktree of a run that is not queued or
 * running is a crash's leftover and goes; a branch goes when its run no longer exists or finished more than
 * retentionDays ago (0 keeps every run's branch). A queued run is kept too, so a worker that claims it while
 * the sweep runs never loses the worktree it is cutting.
 */
export async function sweepRunBranches(options: { db: Db; retentionDays: number; now?: Date }): Promise<{ removedRunIds: string[] }> {
  const { db, retentionDays } = options;
  const cutoff = new Date((options.now ?? new Date()).getTime() - retentionDays * DAY_MS);
  const projects = await db.project.findMany({ where: { repoPath: { not: "" } }, select: { id: true, repoPath: true } });
  const removedRunIds: string[] = [];
  for (const project of projects) {
    const runs = await db.run.findMany({ where: { projectId: project.id }, select: { id: true, status: true, finishedAt: true } });
    const active = runs.filter((run) => isActiveStatus(run.status)).map((run) => run.id);
    const keepBranches = runs.filter((run) => retentionDays === 0 || run.finishedAt === null || run.finishedAt >= cutoff).map((run) => run.id);
    try {
      const result = await cleanupWorktrees({ repoPath: project.repoPath, keepRunIds: active, keepBranchRunIds: keepBranches });
      removedRunIds.push(...result.removedRunIds);
    } catch (error) {
      // One project's repository (moved, locked) must not stop the sweep of the others.
      console.error(`[sweep] could not sweep the run branches of project ${project.id}:`, error);
    }
  }
  return { removedRunIds };
}
