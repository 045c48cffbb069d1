import { mkdir, readdir, realpath, rm } from "node:fs/promises";
import path from "node:path";
import { AppError } from "@/server/errors";
import { assertRunId, git, gitText, headCommit, resolveCommit, runBranch, withRepoLock, worktreesDirOf } from "./run-git";

export type RunWorktree = { worktreePath: string; branch: string; baseCommit: string };

export function runWorktreePath(repoPath: string, runId: string): string {
  assertRunId(runId);
  return path.join(worktreesDirOf(repoPath), `run-${runId}`);
}

/**
 * Gives a run its own working copy on `autocode/run-<runId>`, cut from the project's current head (or from
 * `startFrom`, a follow-up's previous turn), in `<repoPath>.worktrees/run-<runId>`: concurrent runs on one
 * project never share files or an index.
 */
export async function createRunWorktree({ repoPath, runId, startFrom, resume = false }: { repoPath: string; runId: string; startFrom?: string; resume?: boolean }): Promise<RunWorktree> {
  const branch = runBranch(runId);
  const worktreePath = runWorktreePath(repoPath, runId);
  return withRepoLock(repoPath, async () => {
    const baseCommit = startFrom === undefined ? await headCommit(repoPath) : await resolveCommit(repoPath, startFrom);
    await mkdir(path.dirname(worktreePath), { recursive: true });
    // A run resumed after plan review has its branch already (at its base: nothing is committed before approval): -B
    // takes it; any other run's branch must be new, and -b refuses one that exists.
    const added = await git(["worktree", "add", "--quiet", resume ? "-B" : "-b", branch, "--", worktreePath, baseCommit], { cwd: repoPath, okCodes: [128, 255] });
    if (added.code !== 0) {
      if (/a branch named .* already exists/.test(added.stderr)) throw new AppError("CONFLICT", `The branch ${branch} already exists; run ids must be unique.`);
      throw new AppError("INTERNAL", `git worktree add failed (exit ${added.code}): ${added.stderr.trim()}`);
    }
    return { worktreePath, branch, baseCommit };
  });
}

/** Removes a run's worktree (its uncommitted changes are discarded); the branch stays unless asked. */
export async function removeRunWorktree({
  repoPath,
  runId,
  deleteBranch = false,
}: {
  repoPath: string;
  runId: string;
  deleteBranch?: boolean;
}): Promise<void> {
  const worktreePath = runWorktreePath(repoPath, runId);
  await withRepoLock(repoPath, async () => {
    const wanted = await realOrSame(worktreePath);
    const registered = (await listWorktrees(repoPath)).some((w) => w.path === wanted);
    if (registered) await git(["worktree", "remove", "--force", "--", worktreePath], { cwd: repoPath });
    else await rm(worktreePath, { recursive: true, force: true });
    await git(["worktree", "prune"], { cwd: repoPath });
    if (deleteBranch) await git(["branch", "-D", "--", runBranch(runId)], { cwd: repoPath, okCodes: [1] });
  });
}

/** git records worktrees by their real path; compare like with like when the repo is reached via a symlink. */
async function realOrSame(target: string): Promise<string> {
  return realpath(target).catch(() => target);
}

export type WorktreeInfo = { path: string; head: string | null; branch: string | null };

export async function listWorktrees(repoPath: string): Promise<WorktreeInfo[]> {
  const out = await gitText(["worktree", "list", "--porcelain"], { cwd: repoPath });
  const list: WorktreeInfo[] = [];
  for (const block of out.split("\n\n")) {
    const info: WorktreeInfo = { path: "", head: null, branch: null };
    for (const line of block.split("\n")) {
      if (line.startsWith("worktree ")) info.path = line.slice("worktree ".length);
      else if (line.startsWith("HEAD ")) info.head = line.slice(5);
      else if (line.startsWith("branch ")) info.branch = line.slice("branch ".length).replace(/^refs\/heads\//, "");
    }
    if (info.path) list.push(info);
  }
  return list;
}

/**
 * Removes the worktrees of runs not in `keepRunIds` (deleted or old runs), stray directories left by a
 * crash, and git's records of worktrees that no longer exist. Branches of runs not in `keepBranchRunIds`
 * (by default the same list) are deleted too unless `deleteBranches` is false.
 */
export async function cleanupWorktrees({
  repoPath,
  keepRunIds,
  keepBranchRunIds = keepRunIds,
  deleteBranches = true,
}: {
  repoPath: string;
  keepRunIds: readonly string[];
  keepBranchRunIds?: readonly string[];
  deleteBranches?: boolean;
}): Promise<{ removedRunIds: string[] }> {
  const keep = new Set(keepRunIds);
  const keepBranches = new Set(keepBranchRunIds);
  const dir = worktreesDirOf(repoPath);
  return withRepoLock(repoPath, async () => {
    const realDir = await realOrSame(dir);
    const removed = new Set<string>();
    for (const worktree of await listWorktrees(repoPath)) {
      if (path.dirname(worktree.path) !== realDir) continue;
      const runId = /^run-(.+)$/.exec(path.basename(worktree.path))?.[1];
      if (!runId || keep.has(runId)) continue;
      await git(["worktree", "remove", "--force", "--", worktree.path], { cwd: repoPath });
      removed.add(runId);
    }
    for (const name of await readdir(dir).catch(() => [] as string[])) {
      const runId = /^run-(.+)$/.exec(name)?.[1];
      if (runId && !keep.has(runId)) {
        await rm(path.join(dir, name), { recursive: true, force: true });
        removed.add(runId);
      }
    }
    await git(["worktree", "prune"], { cwd: repoPath });
    if (deleteBranches) {
      const branches = await gitText(["for-each-ref", "--format=%(refname:short)", "refs/heads/autocode/"], { cwd: repoPath });
      for (const branch of branches.split("\n").filter(Boolean)) {
        const runId = /^autocode\/run-(.+)$/.exec(branch)?.[1];
        if (!runId || keepBranches.has(runId)) continue;
        await git(["branch", "-D", "--", branch], { cwd: repoPath });
        removed.add(runId);
      }
    }
    return { removedRunIds: [...removed].sort() };
  });
}
