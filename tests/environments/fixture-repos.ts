import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";

export const FIXTURES = path.resolve(import.meta.dirname, "..", "fixtures");

const git = (cwd: string, ...args: string[]) => execFileSync("git", ["-c", "user.name=fixture", "-c", "user.email=fixture@example.test", ...args], { cwd, stdio: "pipe" }).toString();

/** A fixture as a team would hand it over: a local bare repository with one commit on main. */
export function bareRepoOf(fixture: string, root = mkdtempSync(path.join(os.tmpdir(), "fixture-"))): string {
  const work = path.join(root, `${fixture}-work`);
  cpSync(path.join(FIXTURES, fixture), work, { recursive: true });
  git(work, "init", "-q", "-b", "main");
  git(work, "add", ".");
  git(work, "commit", "-qm", `${fixture}: initial commit`);
  const bare = path.join(root, `${fixture}.git`);
  execFileSync("git", ["clone", "-q", "--bare", work, bare]);
  return bare;
}

/** Commits a change straight onto a project's repository (as a merge would), e.g. to a lockfile. */
export function commitToRepo(repoPath: string, change: () => void, message: string): void {
  change();
  git(repoPath, "add", "-A");
  git(repoPath, "commit", "-qm", message);
}
