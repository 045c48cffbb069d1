import { mkdir, readdir, rm, stat } from "node:fs/promises";
import { isIP } from "node:net";
import path from "node:path";
import { env } from "@/server/env";
import { AppError } from "@/server/errors";
import { checkOutboundHost } from "@/server/network/outbound-address";
import { curlResolvePin } from "@/server/network/pin-address";
import { assertWithinLimits, measureTree, watchCloneSize, type RepositoryLimits } from "./repository-limits";
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
  // `<transport>::<address>` runs a remote helper; "::" inside an IPv6 literal ([::1]) is not one.
  if (/^[^/[\]]*::/.test(url)) return { ok: false, reason: "transport helpers such as ext:: are not allowed" };
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

export interface InitRepositoryOptions {
  path: string;
  source?: RepositorySource;
  timeoutMs?: number;
  /** Bounds on what a clone may bring (default: REPO_MAX_FILES, REPO_MAX_MB). */
  limits?: RepositoryLimits;
  /** Whether a URL may name a loopback, private or link-local address (default: ALLOW_PRIVATE_ADDRESSES). */
  allowPrivate?: boolean;
}

/**
 * Creates a project's server-side repository at `path`: empty (an initial commit on `main`), a clone of
 * a local repository, or a clone of a URL with a timeout. A clone is fetched without a checkout, its tree is
 * measured against the limits and only then checked out. Every project ends with at least one commit.
 */
export async function initRepository(options: InitRepositoryOptions): Promise<InitRepositoryResult> {
  const { source = { kind: "empty" }, timeoutMs = 120_000 } = options;
  const limits = options.limits ?? { maxFiles: env().REPO_MAX_FILES, maxBytes: env().REPO_MAX_MB * 1024 * 1024 };
  const repoPath = path.resolve(options.path);
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
      await boundedClone({ args: ["clone", "--quiet", "--no-checkout", "--", from, repoPath], repoPath, timeoutMs, limits, shown: from });
    } else {
      const verdict = checkCloneUrl(source.url);
      if (!verdict.ok) {
        throw new AppError("BAD_REQUEST", `Refused to clone ${JSON.stringify(source.url)}: ${verdict.reason}.`);
      }
      const target = await checkedCloneTarget(source.url, options.allowPrivate ?? env().ALLOW_PRIVATE_ADDRESSES);
      await boundedClone({
        args: [...target.config, "clone", "--quiet", "--no-checkout", "--no-recurse-submodules", "--", target.url, repoPath],
        repoPath,
        timeoutMs,
        limits,
        shown: source.url,
        env: CLONE_ENV,
      });
    }
    const hasHead = (await git(["rev-parse", "--verify", "--quiet", "HEAD^{commit}"], { cwd: repoPath, okCodes: [1] })).code === 0;
    if (!hasHead) {
      await git(["commit", "--quiet", "--allow-empty", "-m", "Initial commit"], { cwd: repoPath });
    } else if (source.kind !== "empty") {
      assertWithinLimits(await measureTree(repoPath), limits);
      await git(["reset", "--hard", "--quiet", "HEAD"], { cwd: repoPath, timeoutMs });
    }
    const branch = await gitText(["symbolic-ref", "--short", "HEAD"], { cwd: repoPath });
    const head = await gitText(["rev-parse", "HEAD"], { cwd: repoPath });
    return { path: repoPath, branch, head };
  } catch (error) {
    await rm(repoPath, { recursive: true, force: true });
    throw error;
  }
}

/** What a clone of a user's URL runs with: only network protocols, no credentials of the server's, no prompts. */
const CLONE_ENV = {
  // Also enforced by git itself, for redirects and anything the clone reaches on its own.
  GIT_ALLOW_PROTOCOL: "http:https:ssh:git",
  // No key, agent or config of the operator's; host keys are not remembered.
  GIT_SSH_COMMAND:
    "ssh -F /dev/null -o IdentitiesOnly=yes -o IdentityFile=none -o IdentityAgent=none -o BatchMode=yes -o StrictHostKeyChecking=accept-new -o UserKnownHostsFile=/dev/null -o ConnectTimeout=15",
  GIT_TERMINAL_PROMPT: "0",
  GIT_HTTP_LOW_SPEED_LIMIT: "1000",
  GIT_HTTP_LOW_SPEED_TIME: "30",
};

/**
 * Resolves the URL's host, refuses addresses only the server can reach, and pins the connection to the
 * address that was checked (so a second DNS answer cannot point the clone elsewhere).
 */
async function checkedCloneTarget(url: string, allowPrivate: boolean): Promise<{ url: string; config: string[] }> {
  const scp = SCP_LIKE.exec(url) ? /^([^@]+)@([^:]+):(.*)$/.exec(url) : null;
  const host = scp ? scp[2]! : new URL(url).hostname;
  const [address] = await checkOutboundHost({ host, allowPrivate, what: `Refused to clone ${url}` });
  // Credential helpers off and no redirects: a redirect would reach a host nobody checked.
  const config = ["-c", "credential.helper=", "-c", "http.followRedirects=false"];
  if (allowPrivate || !address || isIP(host)) return { url, config };
  const pinned = address.includes(":") ? `[${address}]` : address;
  if (scp) return { url: `${scp[1]}@${pinned}:${scp[3]}`, config };
  const parsed = new URL(url);
  // TLS and virtual hosts need the name; curl's resolve list pins it to the checked address instead.
  const pin = curlResolvePin(url, address);
  if (pin) return { url, config: [...config, "-c", `http.curloptResolve=${pin}`] };
  parsed.hostname = pinned;
  return { url: parsed.toString(), config };
}

async function boundedClone(options: {
  args: string[];
  repoPath: string;
  timeoutMs: number;
  limits: RepositoryLimits;
  shown: string;
  env?: Record<string, string>;
}): Promise<void> {
  const controller = new AbortController();
  const watch = watchCloneSize(options.repoPath, options.limits.maxBytes, controller);
  try {
    await git(options.args, { cwd: path.dirname(options.repoPath), timeoutMs: options.timeoutMs, env: options.env, signal: controller.signal });
  } catch (error) {
    if (watch.fired()) {
      throw new AppError("BAD_REQUEST", `${options.shown} is larger than this server accepts (REPO_MAX_MB = ${Math.round(options.limits.maxBytes / 1024 / 1024)}); the clone was stopped.`);
    }
    if (!(error instanceof GitCommandError)) throw error;
    const reason = error.timedOut
      ? `no answer within ${Math.round(options.timeoutMs / 1000)} s`
      : (error.stderr.trim().split("\n").at(-1) ?? "").replace(/^fatal: /, "") || `git exited with ${error.exitCode}`;
    throw new AppError(error.timedOut ? "TIMEOUT" : "UNAVAILABLE", `Could not clone ${options.shown}: ${reason}`, {
      cause: error,
      userMessage: `Could not clone ${options.shown}: ${reason}. Check the URL and that this server can reach it.`,
    });
  } finally {
    watch.stop();
  }
}
