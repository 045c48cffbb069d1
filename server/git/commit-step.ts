import { git, GitCommandError, headCommit, withRepoLock } from "./run-git";

/**
 * Commits everything in a run's worktree as one step, authored by AutoCodeAI. Returns null when the
 * step changed nothing, so empty steps leave no empty commits.
 */
export async function commitStep({ worktreePath, message }: { worktreePath: string; message: string }): Promise<{ commit: string } | null> {
  return withRepoLock(worktreePath, async () => {
    await git(["add", "--all"], { cwd: worktreePath });
    // Committed at once (issue #17: one git process less per step); git answers 1 when there is nothing to commit,
    // which is told apart from a failure by asking whether anything is staged, only then.
    const committed = await git(["commit", "--quiet", "--no-verify", "-m", message.trim() || "AutoCodeAI step"], { cwd: worktreePath, okCodes: [1] });
    if (committed.code !== 0) {
      const staged = await git(["diff", "--cached", "--quiet"], { cwd: worktreePath, okCodes: [1] });
      if (staged.code === 0) return null;
      const output = (committed.stderr || committed.stdout).trim();
      throw new GitCommandError(`git commit failed (exit ${committed.code}): ${output.slice(0, 500)}`, ["commit"], committed.code, output, false);
    }
    return { commit: await headCommit(worktreePath) };
  });
}
