/**
 * The one path-safety module. Every path that comes from a model, a plan, a caller or a tool passes
 * safeRelativePath (the lexical rule, ./safe-relative-path.ts: editing, tools, context files, the sandbox,
 * repository reads); paths about to be read or written on the host also pass resolveSafePath (symlinks).
 */
import { lstat, realpath } from "node:fs/promises";
import path from "node:path";
import { safeRelativePath, unsafePathCharacters } from "./safe-relative-path";

export { safeRelativePath, unsafePathCharacters };

export type SafePath = { ok: true; absolute: string; relative: string } | { ok: false; reason: string };
/** True when target is root or lies below it (both absolute). */
export function isInside(root: string, target: string): boolean {
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
  const lexical = safeRelativePath(requested);
  if (!lexical.ok) return lexical;
  const { relative } = lexical;

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
