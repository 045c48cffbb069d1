import { lstat, realpath } from "node:fs/promises";
import path from "node:path";
import { unsafePathCharacters } from "./path-characters";

// The character rule lives beside this guard in a file without node imports, so plan schemas (which the
// browser bundles too) can call it; everything that checks a path uses that one rule.
export { unsafePathCharacters };

export type SafePath = { ok: true; absolute: string; relative: string } | { ok: false; reason: string };

function isInside(root: string, target: string): boolean {
  const rel = path.relative(root, target);
  return rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel));
}

function touchesGitDir(relative: string): boolean {
  return relative.split(/[\\/]/).some((segment) => segment.toLowerCase() === ".git");
}

async function exists(target: string): Promise<boolean> {
  try {
    await lstat(target);
    return true;
  } catch {
    return false;
  }
}

/**
 * Resolves a path the model gave, relative to the working copy, or says why it is refused. Run it
 * again right before writing: the answer depends on the file system at that moment.
 */
export async function resolveSafePath(root: string, requested: string): Promise<SafePath> {
  if (requested.trim() === "") return { ok: false, reason: "the path is empty" };
  const characters = unsafePathCharacters(requested);
  if (characters) return { ok: false, reason: characters };
  // Absolute paths (POSIX or Windows-style) would address files outside the working copy.
  if (path.isAbsolute(requested) || /^[a-zA-Z]:[\\/]/.test(requested) || requested.startsWith("\\")) {
    return { ok: false, reason: "absolute paths are not allowed; give a path relative to the project root" };
  }
  const segments = requested.split(/[\\/]/);
  // Any ".." is refused outright rather than normalized, so no spelling can climb out of the root.
  if (segments.includes("..")) return { ok: false, reason: "paths containing '..' are not allowed" };
  const relative = path.posix.normalize(segments.filter((s) => s !== "" && s !== ".").join("/"));
  if (relative === "" || relative === ".") return { ok: false, reason: "the path names the project root itself, not a file" };
  // .git holds hooks and config that git executes or obeys: a write there is code execution on the host.
  if (touchesGitDir(relative)) return { ok: false, reason: "writing inside .git is not allowed" };

  const realRoot = await realpath(root);
  const absolute = path.join(realRoot, relative);
  // Symlinks are resolved on the nearest existing ancestor (or the file itself): a link may not lead out.
  let probe = absolute;
  while (!(await exists(probe))) {
    const parent = path.dirname(probe);
    if (parent === probe) break;
    probe = parent;
  }
  let resolved: string;
  try {
    resolved = await realpath(probe);
  } catch {
    return { ok: false, reason: "the path goes through a broken symbolic link" };
  }
  if (!isInside(realRoot, resolved)) return { ok: false, reason: "the path leads outside the project through a symbolic link" };
  if (touchesGitDir(path.relative(realRoot, resolved))) return { ok: false, reason: "the path leads into .git through a symbolic link" };
  return { ok: true, absolute, relative };
}
