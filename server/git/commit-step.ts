import { git, headCommit, withRepoLock } from "./run-git";

/**
 * Commits everything in a run's worktree as one step, authored by AutoCodeAI. Returns null when the
 * step changed nothing, so empty steps leave no empty commits.
 */
export async function commitStep({ worktreePath, message }: { worktreePath: string; message: string }): Promise<{ commit: string } | null> {
  return withRepoLock(worktreePath, async () => {
    await git(["add", "--all"], { cwd: worktreePath });
    const staged = await git(["diff", "--cached", "--quiet"], { cwd: worktreePath, okCodes: [1] });
    if (staged.code === 0) return null;
    await git(["commit", "--quiet", "--no-verify", "-m", message.trim() || "AutoCodeAI step"], { cwd: worktreePath });
    return { commit: await headCommit(worktreePath) };
  });
}
