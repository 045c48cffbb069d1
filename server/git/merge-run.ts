import { AppError } from "@/server/errors";
import { listWorktrees } from "./run-worktree";
import { git, GitCommandError, gitText, resolveCommit, withRepoLock } from "./run-git";

export type MergeRunResult =
  | { ok: true; kind: "fast-forward" | "merge" | "up-to-date"; into: string; commit: string }
  | { ok: false; into: string; conflicts: string[]; message: string };

/**
 * Merges a run's branch into `into` (default: the branch checked out in the project's working copy):
 * fast-forward when possible, otherwise a merge commit.
 *
 * The merge itself is computed by `git merge-tree --write-tree` and `git commit-tree`, which touch no
 * index and no working tree, so a conflict leaves the repository exactly as it was and a crash can never
 * leave it half-merged. The branch is then moved: by `git merge --ff-only` inside the working copy that
 * has it checked out (git checks every file before writing, so the index and files stay consistent and
 * local edits are never overwritten), or by a compare-and-swap `update-ref` when nothing has it checked out.
 */
export async function mergeRun({ repoPath, branch, into }: { repoPath: string; branch: string; into?: string }): Promise<MergeRunResult> {
  return withRepoLock(repoPath, async () => {
    const target = into ?? (await currentBranch(repoPath));
    const intoCommit = await resolveCommit(repoPath, `refs/heads/${target}`);
    const runCommit = await resolveCommit(repoPath, `refs/heads/${branch}`);

    if (await isAncestor(repoPath, runCommit, intoCommit)) return { ok: true, kind: "up-to-date", into: target, commit: intoCommit };

    let result: string;
    let kind: "fast-forward" | "merge";
    if (await isAncestor(repoPath, intoCommit, runCommit)) {
      result = runCommit;
      kind = "fast-forward";
    } else {
      const merged = await git(["merge-tree", "--write-tree", "--name-only", "--no-messages", intoCommit, runCommit], { cwd: repoPath, okCodes: [1] });
      const [tree, ...conflicted] = merged.stdout.trim().split("\n");
      if (merged.code === 1) {
        const files = [...new Set(conflicted.filter(Boolean))];
        return {
          ok: false,
          into: target,
          conflicts: files,
          message: `Merging ${branch} into ${target} conflicts in ${files.length} file${files.length === 1 ? "" : "s"}: ${files.join(", ")}. Nothing was changed; resolve the conflict on the run branch (or re-run on the current ${target}) and merge again.`,
        };
      }
      result = await gitText(["commit-tree", tree!, "-p", intoCommit, "-p", runCommit, "-m", `Merge branch '${branch}' into ${target}`], { cwd: repoPath });
      kind = "merge";
    }

    const checkedOut = (await listWorktrees(repoPath)).find((w) => w.branch === target);
    if (checkedOut) {
      const moved = await git(["merge", "--ff-only", "--quiet", result], { cwd: checkedOut.path, okCodes: [1, 128] });
      if (moved.code !== 0) {
        const files = moved.stderr.split("\n").filter((l) => /^\t/.test(l)).map((l) => l.trim());
        return {
          ok: false,
          into: target,
          conflicts: files,
          message: `The working copy at ${checkedOut.path} has uncommitted changes${files.length ? ` to ${files.join(", ")}` : ""} that the merge would overwrite. Nothing was changed; commit or discard them and merge again.`,
        };
      }
    } else {
      try {
        // The old value makes this a compare-and-swap: if the branch moved meanwhile, nothing is overwritten.
        await git(["update-ref", "-m", `autocode: merge ${branch}`, `refs/heads/${target}`, result, intoCommit], { cwd: repoPath });
      } catch (error) {
        if (error instanceof GitCommandError) throw new AppError("CONFLICT", `${target} moved while merging ${branch}; merge again.`, { cause: error });
        throw error;
      }
    }
    return { ok: true, kind, into: target, commit: result };
  });
}

async function currentBranch(repoPath: string): Promise<string> {
  const out = await git(["symbolic-ref", "--quiet", "--short", "HEAD"], { cwd: repoPath, okCodes: [1] });
  if (out.code !== 0) throw new AppError("CONFLICT", "The project's working copy is not on a branch (detached HEAD); say which branch to merge into.");
  return out.stdout.trim();
}

async function isAncestor(repoPath: string, ancestor: string, descendant: string): Promise<boolean> {
  const out = await git(["merge-base", "--is-ancestor", ancestor, descendant], { cwd: repoPath, okCodes: [1] });
  return out.code === 0;
}
