import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { AppError } from "@/server/errors";
import { gitText } from "@/server/git/run-git";
import type { Workspace } from "@/server/orchestrator/ports";
import { createDirWorkspace } from "./dir-workspace";

export interface CommitSnapshot {
  workspace: Workspace;
  dispose(): Promise<void>;
}

/**
 * A read-only Workspace of exactly one commit's tree (`git archive`, extracted to a temp dir): what would be merged,
 * whatever is left uncommitted in a worktree. readFile answers the committed content; head() names commit and tree.
 */
export async function snapshotCommit(options: { repoPath: string; commit: string; resolved?: { commit: string; tree: string } }): Promise<CommitSnapshot> {
  // One git process for both names (each spawn costs tens of ms on a loaded machine), none when the caller just read them.
  const [commit = "", tree = ""] = options.resolved
    ? [options.resolved.commit, options.resolved.tree]
    : (await gitText(["rev-parse", `${options.commit}^{commit}`, `${options.commit}^{tree}`, "--"], { cwd: options.repoPath })).split("\n");
  const dir = await mkdtemp(path.join(os.tmpdir(), "autocode-commit-"));
  try {
    // The attribute check and the archive read the same commit: run together, a refusal still discards the archive.
    const [refused, archived] = await Promise.allSettled([refuseArchiveAttributes(options.repoPath, commit), archiveInto(options.repoPath, commit, dir)]);
    if (refused.status === "rejected") throw refused.reason;
    if (archived.status === "rejected") throw archived.reason;
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  const files = createDirWorkspace(dir);
  const refuse = () => Promise.reject(new AppError("INTERNAL", "a commit snapshot is read-only"));
  return {
    workspace: {
      readFile: (file) => files.readFile(file),
      listFiles: () => files.listFiles(),
      packTree: (limits) => files.packTree(limits),
      head: async () => ({ commit, tree }),
      applyEdit: refuse,
      commitStep: refuse,
    },
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
}

/**
 * git archive honours the tree's own .gitattributes: export-ignore drops files and export-subst rewrites them, so the
 * archive would no longer be the committed tree (and a model could use that). Such a tree is refused, named.
 */
async function refuseArchiveAttributes(repoPath: string, commit: string): Promise<void> {
  const listed = await gitText(["ls-tree", "-r", "--name-only", commit], { cwd: repoPath });
  for (const file of listed.split("\n").filter((f) => f === ".gitattributes" || f.endsWith("/.gitattributes"))) {
    const text = await gitText(["show", `${commit}:${file}`], { cwd: repoPath });
    if (/\bexport-(ignore|subst)\b/.test(text)) {
      throw new AppError("CONFLICT", `${file} uses export-ignore/export-subst`, { userMessage: `The branch's ${file} uses export-ignore or export-subst, so git archive would not reproduce the committed tree; it cannot be re-verified exactly.` });
    }
  }
}

/** `git archive <commit> | tar -x -C dir`, no shell in between. */
function archiveInto(repoPath: string, commit: string, dir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const archive = spawn("git", ["archive", "--format=tar", commit], { cwd: repoPath, env: { ...process.env, GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null" } as NodeJS.ProcessEnv, stdio: ["ignore", "pipe", "pipe"] });
    const extract = spawn("tar", ["-x", "--no-same-owner", "-C", dir], { stdio: ["pipe", "ignore", "pipe"] });
    let errors = "";
    archive.stderr.on("data", (chunk: Buffer) => void (errors += chunk.toString()));
    extract.stderr.on("data", (chunk: Buffer) => void (errors += chunk.toString()));
    archive.stdout.pipe(extract.stdin);
    let pending = 2;
    let failed = false;
    const done = (what: string) => (code: number | null) => {
      if (code !== 0 && !failed) {
        failed = true;
        reject(new AppError("INTERNAL", `${what} of ${commit} failed (exit ${code}): ${errors.trim().slice(0, 500)}`));
      }
      if (--pending === 0 && !failed) resolve();
    };
    archive.on("error", reject);
    extract.on("error", reject);
    archive.on("close", done("git archive"));
    extract.on("close", done("extracting the archive"));
  });
}
