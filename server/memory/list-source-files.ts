import { execFile } from "node:child_process";
import { lstat, open, readdir, realpath } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { SOURCE_EXTENSIONS } from "./chunk-source";

const execFileAsync = promisify(execFile);

/** Never indexed or watched, even when git tracks them: vendored, cached or tool state, often huge. */
export const HEAVY_DIRECTORIES: ReadonlySet<string> = new Set([
  ".git", ".hg", ".svn", "node_modules", "bower_components", "__pycache__", ".venv", "venv", ".tox", ".mypy_cache",
  ".pytest_cache", ".next", ".nuxt", "target", "coverage", ".cache", ".data",
]);

/** Skipped only outside git, where no .gitignore says what is generated. */
export const GENERATED_DIRECTORIES: ReadonlySet<string> = new Set(["dist", "build", "out", ".idea", ".vscode"]);

export const MAX_FILE_BYTES = 512 * 1024;

export function hasSourceExtension(relativePath: string): boolean {
  return SOURCE_EXTENSIONS.has(path.extname(relativePath).toLowerCase());
}

/** Whether a directory of the path (not its last segment) is excluded; `git` relaxes the generated ones. */
export function isInIgnoredDirectory(relativePath: string, git = false): boolean {
  return relativePath
    .split(/[\\/]/)
    .slice(0, -1)
    .some((part) => HEAVY_DIRECTORIES.has(part) || (!git && GENERATED_DIRECTORIES.has(part)));
}

export async function isGitRepository(root: string): Promise<boolean> {
  try {
    const { stdout } = await execFileAsync("git", ["-C", root, "rev-parse", "--is-inside-work-tree"]);
    return stdout.trim() === "true";
  } catch {
    return false;
  }
}

/**
 * Of the given relative paths (or all when none given), those git would track: cached or untracked but not
 * ignored. Undefined when the root is not a git work tree.
 */
export async function gitVisibleFiles(root: string, only?: string[]): Promise<string[] | undefined> {
  if (!(await isGitRepository(root))) return undefined;
  const args = ["-C", root, "ls-files", "-z", "--cached", "--others", "--exclude-standard"];
  if (only) {
    if (only.length === 0) return [];
    args.push("--", ...only.map((file) => `:(literal)${file}`));
  }
  const { stdout } = await execFileAsync("git", args, { maxBuffer: 64 * 1024 * 1024 });
  return [...new Set(stdout.split("\0").filter((file) => file.length > 0))];
}

async function walk(root: string, relative: string, into: string[]): Promise<void> {
  const entries = await readdir(path.join(root, relative), { withFileTypes: true });
  for (const entry of entries) {
    const child = relative === "" ? entry.name : `${relative}/${entry.name}`;
    if (entry.isDirectory()) {
      if (!HEAVY_DIRECTORIES.has(entry.name) && !GENERATED_DIRECTORIES.has(entry.name)) await walk(root, child, into);
    } else if (entry.isFile()) {
      into.push(child);
    }
  }
}

/** Relative paths (forward slashes) of the source files under root, honouring .gitignore in a git repo. */
export async function listSourceFiles(root: string): Promise<string[]> {
  const fromGit = await gitVisibleFiles(root);
  let files: string[];
  if (fromGit) {
    files = fromGit;
  } else {
    files = [];
    await walk(root, "", files);
  }
  return files.filter((file) => hasSourceExtension(file) && !isInIgnoredDirectory(file, fromGit !== undefined)).sort();
}

export type ReadSourceResult = { ok: true; text: string; size: number } | { ok: false; reason: "missing" | "skipped" };

/** Reads a source file for indexing; symlinks, files under a symlinked directory, huge and binary files are skipped. */
export async function readSourceFile(root: string, relativePath: string, maxBytes = MAX_FILE_BYTES): Promise<ReadSourceResult> {
  const absolute = path.join(root, relativePath);
  let stats;
  let parent: string;
  try {
    stats = await lstat(absolute);
    parent = await realpath(path.dirname(absolute));
  } catch {
    return { ok: false, reason: "missing" };
  }
  // Symlinks are skipped: one could point outside the project and pull foreign files into prompts.
  if (!stats.isFile() || stats.size > maxBytes) return { ok: false, reason: "skipped" };
  const realRoot = await realpath(root);
  if (parent !== realRoot && !parent.startsWith(realRoot + path.sep)) return { ok: false, reason: "skipped" };
  const handle = await open(absolute, "r");
  try {
    const buffer = await handle.readFile();
    if (buffer.subarray(0, 8192).includes(0)) return { ok: false, reason: "skipped" };
    return { ok: true, text: buffer.toString("utf8"), size: buffer.length };
  } finally {
    await handle.close();
  }
}
