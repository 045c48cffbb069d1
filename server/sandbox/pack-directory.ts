import { createReadStream } from "node:fs";
import { lstat, readdir, readlink } from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import { isInside } from "@/server/editing/resolve-safe-path";
import { AppError } from "@/server/errors";
import { writeTar, type TarEntry } from "./tar-writer";

/** Never copied into a sandbox: git internals and what an environment image provides or a run regenerates. */
export const PACK_SKIPPED_DIRS = new Set([".git", "node_modules", "__pycache__", ".pytest_cache", ".venv", "venv", ".mypy_cache"]);

export interface PackedDirectory {
  /** A fresh tar stream of the listed entries each time it is called (a replacement container replays it). */
  open: () => Readable;
  files: number;
  bytes: number;
  /** Symlinks that point out of the directory: left out, never followed. */
  skipped: string[];
  /** Symlinks kept in the tree (they point inside it). */
  links: number;
  /** Regular files, relative, in walk order. */
  paths: string[];
  /** What open() writes, in order. */
  entries: TarEntry[];
}

/** The same tree with more entries after its own, still one archive (one putArchive instead of two). */
export function withEntries(tree: PackedDirectory, extra: TarEntry[]): PackedDirectory {
  if (extra.length === 0) return tree;
  const entries = [...tree.entries, ...extra];
  const links = tree.links + extra.filter((entry) => entry.type === "symlink").length;
  return { ...tree, entries, links, open: () => Readable.from(writeTar(entries), { objectMode: false }) };
}

/**
 * Lists a directory for the sandbox and checks the total size before a byte is sent, so an oversized repository
 * is refused with the limit named instead of filling the container's workspace halfway.
 */
export async function packDirectory(options: { root: string; limitBytes: number; limitName: string; listOnly?: boolean }): Promise<PackedDirectory> {
  const root = path.resolve(options.root);
  const entries: TarEntry[] = [];
  const skipped: string[] = [];
  const paths: string[] = [];
  let bytes = 0;
  let files = 0;
  let links = 0;
  const walk = async (dir: string): Promise<void> => {
    for (const entry of (await readdir(path.join(root, dir), { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
      const rel = dir ? `${dir}/${entry.name}` : entry.name;
      const absolute = path.join(root, rel);
      if (entry.isDirectory()) {
        if (PACK_SKIPPED_DIRS.has(entry.name)) continue;
        entries.push({ type: "dir", path: rel, mode: 0o755 });
        await walk(rel);
      } else if (entry.isSymbolicLink()) {
        const target = await readlink(absolute);
        // A link is kept only as a link whose target stays inside the repository; it is never dereferenced here.
        if (path.isAbsolute(target) || !isInside(root, path.resolve(path.dirname(absolute), target))) skipped.push(rel);
        else {
          entries.push({ type: "symlink", path: rel, target });
          links++;
        }
      } else if (entry.isFile()) {
        paths.push(rel);
        if (options.listOnly) continue;
        const info = await lstat(absolute);
        bytes += info.size;
        files++;
        if (bytes > options.limitBytes) {
          const mb = (n: number) => Math.ceil(n / 1024 / 1024);
          throw new AppError("BAD_REQUEST", `workspace over ${options.limitName}`, {
            userMessage: `The repository's files are larger than the sandbox workspace limit of ${mb(options.limitBytes)} MB (${options.limitName}); at least ${mb(bytes)} MB were counted. Remove large files from the repository or raise ${options.limitName}.`,
          });
        }
        const size = info.size;
        entries.push({ type: "file", path: rel, size, mode: info.mode & 0o111 ? 0o755 : 0o644, open: () => createReadStream(absolute, { highWaterMark: 256 * 1024 }) });
      }
    }
  };
  await walk("");
  return { open: () => Readable.from(writeTar(entries), { objectMode: false }), files, bytes, skipped, links, paths, entries };
}
