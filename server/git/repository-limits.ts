import { readdir, stat } from "node:fs/promises";
import path from "node:path";
import { AppError } from "@/server/errors";
import { git } from "./run-git";

export interface RepositoryLimits {
  maxBytes: number;
  maxFiles: number;
}

export interface RepositorySize {
  files: number;
  /** Sum of the file sizes at HEAD (what a checkout writes). */
  bytes: number;
}

const mb = (bytes: number) => `${Math.ceil(bytes / (1024 * 1024))} MB`;

/** Files and bytes at HEAD, read from git's tree (nothing is checked out or read from the working copy). */
export async function measureTree(repoPath: string): Promise<RepositorySize> {
  const head = await git(["rev-parse", "--verify", "--quiet", "HEAD^{commit}"], { cwd: repoPath, okCodes: [1] });
  if (head.code !== 0) return { files: 0, bytes: 0 };
  const { stdout } = await git(["ls-tree", "-r", "-z", "--long", "HEAD"], { cwd: repoPath });
  let files = 0;
  let bytes = 0;
  for (const record of stdout.split("\0")) {
    if (!record) continue;
    files++;
    const size = Number(record.slice(0, record.indexOf("\t")).split(/\s+/)[3]);
    if (Number.isFinite(size)) bytes += size;
  }
  return { files, bytes };
}

/** Refuses a tree over the limits with a message that says what to do. */
export function assertWithinLimits(size: RepositorySize, limits: RepositoryLimits): void {
  if (size.files > limits.maxFiles) {
    throw new AppError("BAD_REQUEST", `The repository has ${size.files} files; this server accepts at most ${limits.maxFiles} (REPO_MAX_FILES).`);
  }
  if (size.bytes > limits.maxBytes) {
    throw new AppError("BAD_REQUEST", `The repository's files take ${mb(size.bytes)}; this server accepts at most ${mb(limits.maxBytes)} (REPO_MAX_MB).`);
  }
}

async function directoryBytes(dir: string): Promise<number> {
  let total = 0;
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    const child = path.join(dir, entry.name);
    if (entry.isDirectory()) total += await directoryBytes(child);
    else if (entry.isFile()) total += (await stat(child).catch(() => ({ size: 0 }))).size;
  }
  return total;
}

/**
 * Aborts `controller` once the clone's .git grows past maxBytes (a download has no size limit of its own).
 * Returns a stop function, and whether it fired.
 */
export function watchCloneSize(repoPath: string, maxBytes: number, controller: AbortController, everyMs = 500) {
  let fired = false;
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    void directoryBytes(path.join(repoPath, ".git"))
      .then((bytes) => {
        if (bytes > maxBytes && !fired) {
          fired = true;
          controller.abort();
        }
      })
      .finally(() => (busy = false));
  }, everyMs);
  return { stop: () => clearInterval(timer), fired: () => fired };
}
