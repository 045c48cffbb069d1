import { AppError } from "@/server/errors";
import { git, resolveCommit } from "./run-git";
import { safeRelativePath } from "@/server/editing/safe-relative-path";

export type TreeEntry = { path: string; kind: "file" | "symlink" | "submodule"; size: number | null };

/** Every file at `ref` (default HEAD), for a file picker. */
export async function readTree({ repoPath, ref = "HEAD" }: { repoPath: string; ref?: string }): Promise<TreeEntry[]> {
  const commit = await resolveCommit(repoPath, ref);
  const { stdout } = await git(["ls-tree", "-r", "-z", "--long", "--full-tree", commit], { cwd: repoPath });
  const entries: TreeEntry[] = [];
  for (const record of stdout.split("\0")) {
    if (!record) continue;
    // "<mode> <type> <object> <size>\t<path>"
    const tab = record.indexOf("\t");
    const [mode, , , size] = record.slice(0, tab).split(/\s+/);
    const kind = mode === "120000" ? "symlink" : mode === "160000" ? "submodule" : "file";
    entries.push({ path: record.slice(tab + 1), kind, size: size === "-" || size === undefined ? null : Number(size) });
  }
  return entries;
}

export type RepositoryFile = { path: string; size: number; binary: boolean; content: string };

/** One file's content at `ref`; binary files come back with `binary: true` and empty content. */
export async function readFile({
  repoPath,
  path,
  ref = "HEAD",
  maxBytes = 2 * 1024 * 1024,
}: {
  repoPath: string;
  path: string;
  ref?: string;
  maxBytes?: number;
}): Promise<RepositoryFile> {
  if (!safeRelativePath(path).ok) {
    throw new AppError("BAD_REQUEST", `Invalid file path ${JSON.stringify(path)}.`);
  }
  const commit = await resolveCommit(repoPath, ref);
  const object = `${commit}:${path}`;
  const sizeOut = await git(["cat-file", "-s", object], { cwd: repoPath, okCodes: [128] });
  if (sizeOut.code !== 0) throw new AppError("NOT_FOUND", `${path} does not exist at ${ref}.`);
  const size = Number(sizeOut.stdout.trim());
  if (size > maxBytes) throw new AppError("BAD_REQUEST", `${path} is ${size} bytes, more than the ${maxBytes} bytes shown.`);
  const { stdout } = await git(["cat-file", "blob", object], { cwd: repoPath });
  const binary = stdout.slice(0, 8000).includes("\0");
  return { path, size, binary, content: binary ? "" : stdout };
}
