import { randomBytes } from "node:crypto";
import { chmod, mkdir, readFile, rename, stat, unlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { diffLines } from "diff";
import { DiffParseError, parseUnifiedDiff } from "./parse-diff";
import { applyHunks, contentOfNewFile, deletionMatches } from "./place-hunks";
import { resolveSafePath } from "./resolve-safe-path";
import type { ApplyResult, Edit, EditError, FileChange, FilePatch } from "./types";

/** Counts added and removed lines between two versions (null = absent). */
export function countLineChanges(before: string | null, after: string | null): { added: number; removed: number } {
  let added = 0;
  let removed = 0;
  for (const part of diffLines(before ?? "", after ?? "")) {
    if (part.added) added += part.count;
    else if (part.removed) removed += part.count;
  }
  return { added, removed };
}

/** Everything that went wrong, in one message written for the model to act on. */
export function formatModelMessage(errors: readonly EditError[]): string {
  const head = `None of your edits were applied (nothing was written): ${errors.length} problem${errors.length === 1 ? "" : "s"} found. Fix ${errors.length === 1 ? "it" : "them"} and send ALL of the edits again.`;
  const blocks = errors.map((e, i) => `${i + 1}. ${e.message}`);
  return [head, ...blocks].join("\n\n");
}

/** Stops planning one edit (or one file of a diff) with the problems found in it. */
class PlanError extends Error {
  readonly errors: Omit<EditError, "editIndex">[];
  constructor(first: Omit<EditError, "editIndex">, ...more: Omit<EditError, "editIndex">[]) {
    super(first.message);
    this.errors = [first, ...more];
  }
}

type Overlay = {
  read(rel: string): Promise<string | null>;
  set(rel: string, content: string | null): void;
};

/**
 * Applies a batch of Coder edits to the working copy at `root` through one pipeline:
 * parse -> dry run (in memory) -> permission check -> write. Nothing is written unless every edit
 * dry-runs cleanly; on failure the result carries a message written for the model.
 */
export async function applyEdits({ root, edits }: { root: string; edits: readonly Edit[] }): Promise<ApplyResult> {
  const original = new Map<string, string | null>();
  const current = new Map<string, string | null>();
  const renames: { from: string; to: string }[] = [];
  const errors: EditError[] = [];

  const resolve = async (requested: string): Promise<string> => {
    const safe = await resolveSafePath(root, requested);
    if (!safe.ok) throw new PlanError({ code: "path", path: requested, message: `${requested}: refused: ${safe.reason}.` });
    return safe.relative;
  };
  const overlay: Overlay = {
    async read(rel) {
      if (current.has(rel)) return current.get(rel)!;
      let content: string | null = null;
      try {
        const info = await stat(path.join(root, rel));
        if (!info.isFile()) throw new PlanError({ code: "path", path: rel, message: `${rel}: refused: it is a directory or special file, not a regular file.` });
        content = await readFile(path.join(root, rel), "utf8");
      } catch (error) {
        if (error instanceof PlanError) throw error;
        if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      }
      original.set(rel, content);
      current.set(rel, content);
      return content;
    },
    set(rel, content) {
      current.set(rel, content);
    },
  };

  for (const [editIndex, edit] of edits.entries()) {
    try {
      if (edit.kind === "write") {
        const rel = await resolve(edit.path);
        await overlay.read(rel);
        overlay.set(rel, edit.content);
      } else if (edit.kind === "delete") {
        const rel = await resolve(edit.path);
        if ((await overlay.read(rel)) === null) throw new PlanError({ code: "missing_file", path: rel, message: `${rel}: cannot delete it: the file does not exist.` });
        overlay.set(rel, null);
      } else {
        let patches: FilePatch[];
        try {
          patches = parseUnifiedDiff(edit.diff);
        } catch (error) {
          if (!(error instanceof DiffParseError)) throw error;
          throw new PlanError({ code: "parse", message: `The diff could not be read: ${error.message} Send a unified diff: "--- a/path", "+++ b/path", then "@@ ... @@" hunks whose lines start with ' ', '-' or '+'.` });
        }
        if (patches.length === 0) {
          throw new PlanError({ code: "parse", message: `The diff contains no file sections. Each file needs "--- a/path" and "+++ b/path" lines followed by "@@ ... @@" hunks.` });
        }
        for (const patch of patches) {
          try {
            await planPatch(patch, overlay, resolve, renames);
          } catch (error) {
            if (!(error instanceof PlanError)) throw error;
            errors.push(...error.errors.map((e) => ({ ...e, editIndex })));
          }
        }
      }
    } catch (error) {
      if (!(error instanceof PlanError)) throw error;
      errors.push(...error.errors.map((e) => ({ ...e, editIndex })));
    }
  }
  if (errors.length > 0) return { ok: false, errors, modelMessage: formatModelMessage(errors) };

  const changes = summarize(original, current, renames);
  const writeErrors = await writeChanges(root, original, current);
  if (writeErrors.length > 0) return { ok: false, errors: writeErrors, modelMessage: formatModelMessage(writeErrors) };
  return { ok: true, changes };
}

async function planPatch(
  patch: FilePatch,
  overlay: Overlay,
  resolve: (p: string) => Promise<string>,
  renames: { from: string; to: string }[],
): Promise<void> {
  const label = patch.newPath ?? patch.oldPath ?? "(unknown)";
  if (patch.binary) throw new PlanError({ code: "binary", path: label, message: `${label}: binary patches are not supported; send the file's full content instead.` });
  if (patch.kind === "add") {
    const rel = await resolve(patch.newPath!);
    if ((await overlay.read(rel)) !== null) {
      throw new PlanError({ code: "file_exists", path: rel, message: `${rel}: the diff creates it (--- /dev/null) but the file already exists. Send a diff against its current content instead.` });
    }
    overlay.set(rel, contentOfNewFile(patch.hunks));
    return;
  }
  const oldRel = await resolve(patch.oldPath!);
  const before = await overlay.read(oldRel);
  if (before === null) {
    throw new PlanError({ code: "missing_file", path: oldRel, message: `${oldRel}: the diff changes this file but it does not exist. To create it, use "--- /dev/null" and "+++ b/${oldRel}".` });
  }
  if (patch.kind === "delete") {
    if (!deletionMatches(before, patch.hunks)) {
      throw new PlanError({ code: "not_found", path: oldRel, message: `${oldRel}: the deletion diff does not match the file's current content, so it was not deleted. Re-read the file, or delete it without a diff body.` });
    }
    overlay.set(oldRel, null);
    return;
  }
  let after = before;
  if (patch.hunks.length > 0) {
    const outcome = applyHunks(before, patch.hunks);
    if (!outcome.ok) {
      const [first, ...rest] = outcome.failures.map((f) => ({
        code: f.code,
        path: oldRel,
        hunk: f.header,
        hunkIndex: f.hunkIndex,
        hunkCount: patch.hunks.length,
        message: `${oldRel}: hunk ${f.hunkIndex + 1} of ${patch.hunks.length} (${f.header}) could not be applied.\n${f.detail}`,
      }));
      throw new PlanError(first!, ...rest);
    }
    after = outcome.content;
  }
  if (patch.kind === "rename") {
    const newRel = await resolve(patch.newPath!);
    if (newRel !== oldRel) {
      if ((await overlay.read(newRel)) !== null) {
        throw new PlanError({ code: "file_exists", path: newRel, message: `${newRel}: cannot rename ${oldRel} onto it: a file with that name already exists.` });
      }
      overlay.set(oldRel, null);
      renames.push({ from: oldRel, to: newRel });
    }
    overlay.set(newRel, after);
    return;
  }
  overlay.set(oldRel, after);
}

function summarize(
  original: ReadonlyMap<string, string | null>,
  current: ReadonlyMap<string, string | null>,
  renames: readonly { from: string; to: string }[],
): FileChange[] {
  const changes: FileChange[] = [];
  const handled = new Set<string>();
  for (const { from, to } of renames) {
    if (handled.has(from) || handled.has(to)) continue;
    const before = original.get(from) ?? null;
    const after = current.get(to) ?? null;
    if (before === null || after === null || current.get(from) !== null || original.get(to) !== null) continue;
    handled.add(from).add(to);
    changes.push({ path: to, oldPath: from, kind: "renamed", ...countLineChanges(before, after) });
  }
  for (const [rel, after] of current) {
    if (handled.has(rel)) continue;
    const before = original.get(rel) ?? null;
    if (before === after) continue;
    const kind = before === null ? "added" : after === null ? "deleted" : "modified";
    changes.push({ path: rel, kind, ...countLineChanges(before, after) });
  }
  return changes.sort((a, b) => a.path.localeCompare(b.path));
}

/** Writes the dry-run result; re-checks every path first and restores the originals if a write fails. */
async function writeChanges(
  root: string,
  original: ReadonlyMap<string, string | null>,
  current: ReadonlyMap<string, string | null>,
): Promise<EditError[]> {
  const targets = [...current].filter(([rel, after]) => original.get(rel) !== after);
  for (const [rel] of targets) {
    // Permission check right before writing: a symlink may have appeared since the dry run.
    const safe = await resolveSafePath(root, rel);
    if (!safe.ok) return [{ code: "path", editIndex: -1, path: rel, message: `${rel}: refused: ${safe.reason}.` }];
  }
  const done: string[] = [];
  try {
    // Writes before deletions, so a rename never loses the file if the write fails.
    const ordered = [...targets.filter(([, a]) => a !== null), ...targets.filter(([, a]) => a === null)];
    for (const [rel, after] of ordered) {
      await putFile(root, rel, after);
      done.push(rel);
    }
    return [];
  } catch (error) {
    for (const rel of done.reverse()) await putFile(root, rel, original.get(rel) ?? null).catch(() => undefined);
    const message = `Writing the files failed (${(error as Error).message}); the changes were rolled back.`;
    return [{ code: "io", editIndex: -1, message }];
  }
}

async function putFile(root: string, rel: string, content: string | null): Promise<void> {
  const target = path.join(root, rel);
  if (content === null) {
    await unlink(target).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== "ENOENT") throw error;
    });
    return;
  }
  await mkdir(path.dirname(target), { recursive: true });
  const temp = `${target}.autocode-${randomBytes(4).toString("hex")}.tmp`;
  await writeFile(temp, content, "utf8");
  const mode = await stat(target).then((s) => s.mode, () => undefined);
  if (mode !== undefined) await chmod(temp, mode & 0o7777);
  await rename(temp, target);
}
