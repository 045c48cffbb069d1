import type { Db } from "@/server/db/client";
import { env } from "@/server/env";
import { removeRunWorktree } from "@/server/git";
import { appendRunEvent } from "@/server/runs/run-events";
import { removeRunContainers } from "@/server/sandbox";

/** The plan step that completed last, by plan order; undefined when none did. */
export async function lastCompletedStep(db: Db, runId: string): Promise<string | undefined> {
  const step = await db.step.findFirst({ where: { runId, status: "SUCCEEDED" }, orderBy: { order: "desc" }, select: { planStepId: true } });
  return step?.planStepId;
}

/** The reason recorded on an interrupted run: what stopped it, how far it got, and what to do. */
export function interruptionReason(cause: "crashed" | "stopped", lastStep: string | undefined): string {
  const what = cause === "crashed" ? "The worker running this run stopped unexpectedly" : "The worker running this run was shut down";
  return `${what}${lastStep ? ` after step ${lastStep} completed` : " before any step completed"}. Re-run it to try again.`;
}

/**
 * Runs whose worker died (the lease lapsed without renewal) are marked INTERRUPTED, not resumed: a half-finished
 * step's model output and sandbox state are gone with the worker. Their containers on this engine are removed.
 * Safe to call from every worker at once: the conditional update lets exactly one of them close each run.
 */
export async function interruptExpiredRuns(db: Db): Promise<string[]> {
  const expired = await db.run.findMany({
    where: { status: "RUNNING", leaseExpiresAt: { lt: new Date() } },
    select: { id: true, project: { select: { repoPath: true } } },
    take: 100,
  });
  const interrupted: string[] = [];
  for (const { id: runId, project } of expired) {
    // Taken with a short lease of our own: should this process die too, the next sweep closes the run.
    const taken = await db.run.updateMany({
      where: { id: runId, status: "RUNNING", leaseExpiresAt: { lt: new Date() } },
      data: { workerId: "recovery", leaseExpiresAt: new Date(Date.now() + 60_000) },
    });
    if (taken.count === 0) continue;
    await removeRunContainers(runId).catch(() => 0);
    // The branch keeps every committed step; only the dead worker's working directory goes.
    // A remote worker (APP_URL) never touches the web machine's paths; the web side's sweep removes leftovers there.
    if (!env().APP_URL) await removeRunWorktree({ repoPath: project.repoPath, runId }).catch(() => undefined);
    await appendRunEvent(db, { runId, type: "run.finished", payload: { status: "interrupted", reason: interruptionReason("crashed", await lastCompletedStep(db, runId)) } });
    interrupted.push(runId);
  }
  return interrupted;
}
