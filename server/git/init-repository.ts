import { mkdir, readdir, rm, stat } from "node:fs/promises";
import path from "node:path";
import { AppError } from "@/server/errors";
import { git, GitCommandError, gitText } from "./run-git";

export type RepositorySource = { kind: "empty" } | { kind: "local"; path: string } | { kind: "url"; url: string };

export type InitRepositoryResult = { path: string; branch: string; head: string };

const ALLOWED_SCHEMES = new Set(["https:", "http:", "ssh:", "git:"]);
/** scp-like syntax: user@host:path (git reads it as ssh). */
const SCP_LIKE = /^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:[A-Za-z0-9._~/-][^\s]*$/;

/**
 * Accepts network URLs only. Refused: `ext::`/`fd::` and any `<transport>::` helper (they run commands),
 * `file://` and bare paths (they would read the server's own disk), and leading dashes (option injection).
 */
export function checkCloneUrl(url: string): { ok: true } | { ok: false; reason: string } {
  if (url !== url.trim() || /[\s\0-\x1f]/.test(url)) return { ok: false, reason: "the URL contains whitespace or control characters" };
  if (url.startsWith("-")) return { ok: false, reason: "the URL may not start with '-'" };
  if (url.includes("::")) return { ok: false, reason: "transport helpers such as ext:: are not allowed" };
  if (SCP_LIKE.test(url)) return { ok: true };
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { ok: false, reason: "it is not a URL (use https://, ssh://, git:// or user@host:path)" };
  }
  if (!ALLOWED_SCHEMES.has(parsed.protocol)) return { ok: false, reason: `the ${parsed.protocol} scheme is not allowed; use https://, ssh:// or git://` };
  if (!parsed.hostname) return { ok: false, reason: "the URL has no host" };
  return { ok: true };
}

async function assertEmptyTarget(target: string): Promise<void> {
  const info = await stat(target).catch(() => null);
  if (!info) return;
  if (!info.isDirectory() || (await readdir(target)).length > 0) {
    throw new AppError("CONFLICT", `${target} already exists and is not an empty directory.`);
  }
}

/**
 * Creates a project's server-side repository at `path`: empty (an initial commit on `main`), a clone of
 * a local repository, or a clone of a URL with a timeout. Every project ends with at least one commit,
 * so runs always have a head to branch from.
 */
export async function initRepository({
  path: target,
  source = { kind: "empty" },
  timeoutMs = 120_000,
}: {
  path: string;
  source?: RepositorySource;
  timeoutMs?: number;
}): Promise<InitRepositoryResult> {
  const repoPath = path.resolve(target);
  await assertEmptyTarget(repoPath);
  await mkdir(path.dirname(repoPath), { recursive: true });
  try {
    if (source.kind === "empty") {
      await git(["init", "--quiet", "--initial-branch=main", "--", repoPath], { cwd: path.dirname(repoPath) });
    } else if (source.kind === "local") {
      // A runtime path from the user's request: keep Turbopack from tracing the whole project into the build.
      const from = path.resolve(/*turbopackIgnore: true*/ source.path);
      const isRepo = await git(["rev-parse", "--git-dir"], { cwd: from, okCodes: [128] }).catch(() => null);
      if (!isRepo || isRepo.code !== 0) throw new AppError("BAD_REQUEST", `${from} is not a git repository.`);
      await git(["clone", "--quiet", "--", from, repoPath], { cwd: path.dirname(repoPath), timeoutMs });
    } else {
      const verdict = checkCloneUrl(source.url);
      if (!verdict.ok) {
        throw new AppError("BAD_REQUEST", `Refused to clone ${JSON.stringify(source.url)}: ${verdict.reason}.`);
      }
      await cloneUrl(source.url, repoPath, timeoutMs);
    }
    const hasHead = (await git(["rev-parse", "--verify", "--quiet", "HEAD^{commit}"], { cwd: repoPath, okCodes: [1] })).code === 0;
    if (!hasHead) {
      await git(["commit", "--quiet", "--allow-empty", "-m", "Initial commit"], { cwd: repoPath });
    }
    const branch = await gitText(["symbolic-ref", "--short", "HEAD"], { cwd: repoPath });
    const head = await gitText(["rev-parse", "HEAD"], { cwd: repoPath });
    return { path: repoPath, branch, head };
  } catch (error) {
    await rm(repoPath, { recursive: true, force: true });
    throw error;
  }
}

async function cloneUrl(url: string, repoPath: string, timeoutMs: number): Promise<void> {
  try {
    await git(["clone", "--quiet", "--no-recurse-submodules", "--", url, repoPath], {
      cwd: path.dirname(repoPath),
      timeoutMs,
      env: {
        // Also enforced by git itself, for redirects and anything the clone reaches on its own.
        GIT_ALLOW_PROTOCOL: "http:https:ssh:git",
        GIT_SSH_COMMAND: "ssh -o BatchMode=yes -o ConnectTimeout=15 -o StrictHostKeyChecking=accept-new",
        GIT_HTTP_LOW_SPEED_LIMIT: "1000",
        GIT_HTTP_LOW_SPEED_TIME: "30",
      },
    });
  } catch (error) {
    if (!(error instanceof GitCommandError)) throw error;
    const reason = error.timedOut
      ? `no answer within ${Math.round(timeoutMs / 1000)} s`
      : (error.stderr.trim().split("\n").at(-1) ?? "").replace(/^fatal: /, "") || `git exited with ${error.exitCode}`;
    throw new AppError(error.timedOut ? "TIMEOUT" : "UNAVAILABLE", `Could not clone ${url}: ${reason}`, {
      cause: error,
      userMessage: `Could not clone ${url}: ${reason}. Check the URL and that this server can reach it.`,
    });
  }
}
