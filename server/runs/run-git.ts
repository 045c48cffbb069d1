import { requireRun } from "@/server/access/run-access";
import type { Db } from "@/server/db/client";
import { AppError } from "@/server/errors";
import { diffRun, formatPatch, mergeRun } from "@/server/git";

type RunWithProject = Awaited<ReturnType<typeof requireRun>>;

function branchOf(run: RunWithProject): { branch: string; baseCommit: string } {
  if (!run.branch || !run.baseCommit) throw new AppError("CONFLICT", "This run has no branch yet: it has not started. Wait for it to start.");
  return { branch: run.branch, baseCommit: run.baseCommit };
}

export async function diffOfRun(run: RunWithProject) {
  if (!run.branch || !run.baseCommit) return null;
  return diffRun({ repoPath: run.project.repoPath, branch: run.branch, baseCommit: run.baseCommit });
}

export async function getRunDiff(options: { db: Db; userId: string; runId: string }) {
  return diffOfRun(await requireRun({ ...options, need: "read" }));
}

export async function getRunPatch(run: RunWithProject, style: "mbox" | "plain" = "mbox"): Promise<string> {
  return formatPatch({ repoPath: run.project.repoPath, ...branchOf(run), style });
}

/** Merges a finished run's branch into the project's branch; a conflict changes nothing and says which files. */
export async function mergeRunIntoProject(options: { db: Db; userId: string; runId: string }) {
  const run = await requireRun({ ...options, need: "write" });
  if (run.status === "QUEUED" || run.status === "RUNNING") throw new AppError("CONFLICT", "Wait for the run to finish before merging it.");
  const { branch } = branchOf(run);
  const result = await mergeRun({ repoPath: run.project.repoPath, branch, into: run.project.defaultBranch });
  if (!result.ok) throw new AppError("CONFLICT", result.message);
  return result;
}
