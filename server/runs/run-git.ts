import { requireRun } from "@/server/access/run-access";
import type { Db } from "@/server/db/client";
import { AppError } from "@/server/errors";
import type { Prisma } from "@/generated/prisma/client";
import { diffRun, formatPatch, mergeRun } from "@/server/git";
import { readFile, readTree } from "@/server/git/read-repository";
import type { PayloadOf } from "@/server/runs/events/contract";
import { displayStatus, isActiveStatus, OUTCOME_HEADLINES } from "@/server/runs/events/run-status";
import { readVerification } from "./run-dto";
import { appendRunEvent, lastRunEvent } from "./run-events";

const NO_BRANCH = "This run has no branch yet: it has not started. Wait for it to start.";

type RunWithProject = Awaited<ReturnType<typeof requireRun>>;

function branchOf(run: RunWithProject): { branch: string; baseCommit: string } {
  if (!run.branch || !run.baseCommit) throw new AppError("CONFLICT", NO_BRANCH);
  return { branch: run.branch, baseCommit: run.baseCommit };
}

export async function diffOfRun(run: RunWithProject) {
  if (!run.branch || !run.baseCommit) return null;
  return diffRun({ repoPath: run.project.repoPath, branch: run.branch, baseCommit: run.baseCommit });
}

export async function getRunDiff(options: { db: Db; userId: string; runId: string }) {
  return diffOfRun(await requireRun({ ...options, need: "read" }));
}

/** Every file on the run's branch as it is now (it moves while the run works); null before it has a branch. */
export async function treeOfRun(run: RunWithProject) {
  return run.branch ? readTree({ repoPath: run.project.repoPath, ref: run.branch }) : null;
}

/** One file of the run's branch; the path is checked by readFile (safeRelativePath), the size capped for the page. */
export async function fileOfRun(run: RunWithProject, path: string) {
  if (!run.branch) throw new AppError("CONFLICT", NO_BRANCH);
  return readFile({ repoPath: run.project.repoPath, ref: run.branch, path, maxBytes: 512 * 1024 });
}

export async function getRunTree(options: { db: Db; userId: string; runId: string }) {
  return treeOfRun(await requireRun({ ...options, need: "read" }));
}

export async function getRunFile(options: { db: Db; userId: string; runId: string; path: string }) {
  return fileOfRun(await requireRun({ ...options, need: "read" }), options.path);
}

export async function getRunPatch(run: RunWithProject, style: "mbox" | "plain" = "mbox"): Promise<string> {
  return formatPatch({ repoPath: run.project.repoPath, ...branchOf(run), style });
}

/** The run's last merge from its event log (the state after a reload), or null. */
export function lastMerge(db: Db, runId: string): Promise<PayloadOf<"run.merged"> | null> {
  return lastRunEvent(db, runId, "run.merged");
}

/** What is not verified about a finished run, in words for the confirmation; null when it is verified. */
export function notVerified(run: { status: string; statusReason: string | null; verification: unknown }): string | null {
  const verification = readVerification(run.verification as Prisma.JsonValue);
  const outcome = verification?.outcome ?? null;
  if (displayStatus(run.status, outcome) === "SUCCEEDED" && outcome === "verified") return null;
  if (run.status !== "SUCCEEDED") return `the run ${run.status.toLowerCase()}${run.statusReason ? `: ${run.statusReason}` : ""}`;
  return outcome ? OUTCOME_HEADLINES[outcome] : "the run recorded no verification";
}

/**
 * Merges a finished run's branch into the project's branch; a conflict changes nothing and says which files.
 * Only a verified run merges plainly: anything else needs `force` (the page's confirmation), and the log records who.
 */
export async function mergeRunIntoProject(options: { db: Db; userId: string; runId: string; force?: boolean }) {
  const run = await requireRun({ ...options, need: "write" });
  if (isActiveStatus(run.status)) throw new AppError("CONFLICT", "Wait for the run to finish before merging it.");
  const { branch } = branchOf(run);
  const merged = await lastMerge(options.db, run.id);
  if (merged) throw new AppError("CONFLICT", `This run was already merged into ${merged.into} (commit ${merged.commit.slice(0, 10)}); there is nothing more to merge.`);
  const missing = notVerified(run);
  if (missing && !options.force) {
    throw new AppError("CONFLICT", `This run is not verified (${missing}). Merging it needs an explicit confirmation (force).`);
  }
  const result = await mergeRun({ repoPath: run.project.repoPath, branch, into: run.project.defaultBranch });
  if (!result.ok) throw new AppError("CONFLICT", result.message);
  const forced = missing !== null;
  await appendRunEvent(options.db, { runId: run.id, type: "run.merged", payload: { by: options.userId, forced, notVerified: missing, into: result.into, kind: result.kind, commit: result.commit } });
  return { ...result, forced };
}
