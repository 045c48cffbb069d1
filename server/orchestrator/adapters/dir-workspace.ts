import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { applyEdits } from "@/server/editing/apply-edits";
import type { Edit } from "@/server/editing/types";
import { parseUnifiedDiff } from "@/server/editing/parse-diff";
import { resolveSafePath } from "@/server/editing/resolve-safe-path";
import { AUTOCODE_AUTHOR, git, headCommit, withRepoLock } from "@/server/git/run-git";
import { AppError } from "@/server/errors";
import { PACK_SKIPPED_DIRS, packDirectory } from "@/server/sandbox/pack-directory";
import type { ApplyEditResult, FileEdit, Workspace } from "@/server/orchestrator/ports";
import { snapshotCommit } from "./commit-snapshot";


/** A diff's path as the model wrote it, without a/ b/ prefixes. */
const stripPrefix = (p: string | null) => (p === null ? null : p.replace(/^[ab]\//, ""));

/**
 * The Workspace port over a directory (a run's git worktree in production, a temp dir in tests): edits go
 * through server/editing's all-or-nothing pipeline; a step commits only its own paths when the dir is a git work tree.
 */
function prepareEdit(edit: FileEdit): { ok: true; edit: Edit } | { ok: false; error: string } {
  if (edit.kind === "write") return { ok: true, edit: { kind: "write", path: edit.path, content: edit.content } };
  // Models often send bare @@ hunks; the step already names the file, so give the diff its headers.
  const diff = /^--- /m.test(edit.diff) ? edit.diff : `--- a/${edit.path}\n+++ b/${edit.path}\n${edit.diff}`;
  let targets: (string | null)[];
  try {
    targets = parseUnifiedDiff(diff).flatMap((p) => [stripPrefix(p.oldPath), stripPrefix(p.newPath)]);
  } catch (error) {
    return { ok: false, error: `The diff could not be read: ${(error as Error).message}` };
  }
  // A step may only change its own file, even if the diff names others.
  const stray = targets.find((t) => t !== null && t !== edit.path);
  if (stray) return { ok: false, error: `The diff changes ${stray}, but this edit may only change ${edit.path}.` };
  return { ok: true, edit: { kind: "patch", diff } };
}

export function createDirWorkspace(root: string): Workspace & Required<Pick<Workspace, "applyEdits" | "head" | "snapshot">> {
  return {
    async head() {
      const isRepo = await stat(path.join(root, ".git")).then(() => true, () => false);
      if (!isRepo) return null;
      const out = await git(["rev-parse", "HEAD", "HEAD^{tree}"], { cwd: root, okCodes: [128] });
      const [commit, tree] = out.stdout.trim().split("\n");
      return out.code === 0 && commit && tree ? { commit, tree } : null;
    },

    async snapshot() {
      const head = await this.head();
      // head() named both already (rev-parse of HEAD and HEAD^{tree}): the snapshot need not ask git again.
      return head ? snapshotCommit({ repoPath: root, commit: head.commit, resolved: head }) : null;
    },

    async readFile(relative) {
      const safe = await resolveSafePath(root, relative);
      if (!safe.ok) return null;
      try {
        return await readFile(safe.absolute, "utf8");
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT" || (error as NodeJS.ErrnoException).code === "EISDIR") return null;
        throw error;
      }
    },

    async listFiles() {
      const found: string[] = [];
      const walk = async (dir: string) => {
        for (const entry of await readdir(path.join(root, dir), { withFileTypes: true })) {
          const rel = dir ? `${dir}/${entry.name}` : entry.name;
          if (entry.isDirectory() && !PACK_SKIPPED_DIRS.has(entry.name)) await walk(rel);
          else if (entry.isFile()) found.push(rel);
        }
      };
      await walk("");
      return found.sort();
    },

    packTree(limits) {
      return packDirectory({ root, ...limits });
    },

    applyEdit(edit: FileEdit): Promise<ApplyEditResult> {
      return this.applyEdits([edit]);
    },

    async applyEdits(edits: FileEdit[]): Promise<ApplyEditResult> {
      const batch: Edit[] = [];
      for (const edit of edits) {
        const prepared = prepareEdit(edit);
        if (!prepared.ok) return prepared;
        batch.push(prepared.edit);
      }
      // One batch: every edit dry-runs before anything is written, so a failing block leaves all files as they were.
      const result = await applyEdits({ root, edits: batch });
      return result.ok ? { ok: true, changes: result.changes } : { ok: false, error: result.modelMessage };
    },

    async commitStep({ message, paths }) {
      const isRepo = await stat(path.join(root, ".git")).then(
        () => true,
        () => false,
      );
      if (!isRepo) return null;
      return withRepoLock(root, async () => {
        // A path is committed when it exists or is tracked (a deletion); one ls-files for all the missing ones, not two git processes a path (#17).
        const present = await Promise.all(paths.map((p) => stat(path.join(root, p)).then(() => true, () => false)));
        const missing = paths.filter((_, i) => !present[i]);
        const trackedMissing = missing.length ? new Set((await git(["ls-files", "-z", "--", ...missing], { cwd: root })).stdout.split("\0").filter(Boolean)) : new Set<string>();
        const existing = paths.filter((p, i) => present[i] || trackedMissing.has(p));
        if (existing.length === 0) return null;
        await git(["add", "-A", "--", ...existing], { cwd: root });
        const committed = await git(
          ["-c", `user.name=${AUTOCODE_AUTHOR.name}`, "-c", `user.email=${AUTOCODE_AUTHOR.email}`, "commit", "-q", "-m", message, "--", ...existing],
          { cwd: root, okCodes: [1] },
        );
        if (committed.code === 1) {
          // git commit exits 1 both when these paths changed nothing (no commit: the answer) and when it fails; asked
          // only then, so a step's commit is three git processes, not four.
          const staged = await git(["diff", "--cached", "--quiet", "--", ...existing], { cwd: root, okCodes: [1] });
          if (staged.code === 0) return null;
          throw new AppError("INTERNAL", `git commit failed (exit 1): ${committed.stderr.trim() || committed.stdout.trim()}`);
        }
        return headCommit(root);
      });
    },
  };
}
