import { execFile } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { readFile, realpath } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { AppError } from "@/server/errors";

export const AUTOCODE_AUTHOR = { name: "AutoCodeAI", email: "autocode@localhost" } as const;

/**
 * Settings on every invocation: hooks off (a cloned project must never run code on the server), no
 * background gc racing concurrent runs, ext:: transports off, and unquoted UTF-8 paths in output.
 */
const BASE_CONFIG = [
  "-c", "core.hooksPath=/dev/null",
  "-c", "gc.auto=0",
  "-c", "maintenance.auto=false",
  "-c", "protocol.ext.allow=never",
  "-c", "core.quotePath=false",
  "-c", "commit.gpgSign=false",
  "-c", "core.autocrlf=false",
  "-c", "advice.detachedHead=false",
];

export type GitOptions = {
  cwd: string;
  signal?: AbortSignal;
  /** Exit codes other than 0 that are answers, not failures (e.g. 1 for `diff --quiet`). */
  okCodes?: number[];
  timeoutMs?: number;
  env?: Record<string, string>;
};

let home: string | undefined;

/** An empty directory of this process's own, used as git's HOME. */
export function isolatedHome(): string {
  home ??= mkdtempSync(path.join(os.tmpdir(), "autocode-git-home-"));
  return home;
}

export type GitOutput = { stdout: string; stderr: string; code: number };

/** Runs git with an argv array (never a shell), a clean environment and a timeout. */
export function git(args: readonly string[], options: GitOptions): Promise<GitOutput> {
  // An empty or relative cwd would silently mean the server's own directory (its own checkout, if any).
  if (!path.isAbsolute(options.cwd)) {
    return Promise.reject(new AppError("INTERNAL", `git was asked to run in a non-absolute directory (${JSON.stringify(options.cwd)})`));
  }
  const env: Record<string, string | undefined> = {
    PATH: process.env.PATH,
    // Never the operator's HOME: its ~/.ssh keys, ~/.netrc and credential stores must not serve a user's clone.
    HOME: isolatedHome(),
    LANG: "C",
    LC_ALL: "C",
    // The user's or system's git config must not change what the product does (aliases, hooks, signing).
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_TERMINAL_PROMPT: "0",
    GIT_AUTHOR_NAME: AUTOCODE_AUTHOR.name,
    GIT_AUTHOR_EMAIL: AUTOCODE_AUTHOR.email,
    GIT_COMMITTER_NAME: AUTOCODE_AUTHOR.name,
    GIT_COMMITTER_EMAIL: AUTOCODE_AUTHOR.email,
    ...options.env,
  };
  return new Promise((resolve, reject) => {
    execFile(
      "git",
      [...BASE_CONFIG, ...args],
      { cwd: options.cwd, env: env as NodeJS.ProcessEnv, signal: options.signal, timeout: options.timeoutMs ?? 60_000, maxBuffer: 256 * 1024 * 1024, encoding: "utf8" },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
        if (!error || options.okCodes?.includes(code)) {
          resolve({ stdout, stderr, code });
          return;
        }
        const timedOut = error.killed === true || error.signal === "SIGTERM";
        const summary = `git ${args[0]} ${timedOut ? "timed out" : `failed (exit ${code})`}: ${stderr.trim() || error.message}`;
        reject(new GitCommandError(summary, args, code, stderr, timedOut));
      },
    );
  });
}

export class GitCommandError extends AppError {
  constructor(
    message: string,
    readonly args: readonly string[],
    readonly exitCode: number,
    readonly stderr: string,
    readonly timedOut: boolean,
  ) {
    super(timedOut ? "TIMEOUT" : "INTERNAL", message);
  }
}

/** Trimmed stdout of a git command. */
export async function gitText(args: readonly string[], options: GitOptions): Promise<string> {
  return (await git(args, options)).stdout.trim();
}

const OBJECT_ID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

/** A file's trimmed text, or null when it is not there. */
async function readText(file: string): Promise<string | null> {
  return readFile(file, "utf8").then((text) => text.trim(), () => null);
}

/**
 * The commit HEAD names in a work tree, read from git's own files: a step's commit or a new worktree is one git
 * process less (issue #17; each costs 20-80 ms on a loaded machine). When the files do not say it plainly (a
 * packed or reftable ref, an odd layout), git answers instead.
 */
export async function headCommit(cwd: string): Promise<string> {
  const dotGit = path.join(cwd, ".git");
  const pointer = await readText(dotGit);
  // A linked worktree's .git is a file naming its own git dir (its HEAD); a repository's .git is that dir.
  const gitDir = pointer === null ? dotGit : pointer.startsWith("gitdir: ") ? path.resolve(cwd, pointer.slice("gitdir: ".length)) : null;
  const head = gitDir ? await readText(path.join(gitDir, "HEAD")) : null;
  if (head && OBJECT_ID.test(head)) return head;
  const ref = head?.startsWith("ref: refs/") ? head.slice("ref: ".length) : null;
  if (gitDir && ref) {
    const named = await looseRef(cwd, ref);
    if (named) return named;
  }
  return resolveCommit(cwd, "HEAD");
}

/** The commit a ref (refs/heads/…) names, from its loose ref file when there is one, else from git. */
export async function refCommit(cwd: string, ref: string): Promise<string> {
  return (await looseRef(cwd, ref)) ?? resolveCommit(cwd, ref);
}

async function looseRef(cwd: string, ref: string): Promise<string | null> {
  // Only a plain ref name is read as a path: a name with ".." could point outside the git dir.
  if (!ref.startsWith("refs/") || ref.split("/").some((part) => part === ".." || part === "." || part === "")) return null;
  // Branches live in the shared git dir (remembered per path: the callers' repository lock looked it up already).
  const named = await readText(path.join(await commonGitDir(cwd), ref));
  return named && OBJECT_ID.test(named) ? named : null;
}

/** A path's common git directory does not change; remembered so each locked operation spawns one git less. */
const commonDirs = new Map<string, string>();
const COMMON_DIRS_KEPT = 1_000;

/** The repository's shared .git directory, so every worktree of one project maps to one key. */
export async function commonGitDir(cwd: string): Promise<string> {
  const known = commonDirs.get(cwd);
  if (known !== undefined) return known;
  const dir = await realpath(await gitText(["rev-parse", "--path-format=absolute", "--git-common-dir"], { cwd }));
  if (commonDirs.size >= COMMON_DIRS_KEPT) commonDirs.delete(commonDirs.keys().next().value!);
  commonDirs.set(cwd, dir);
  return dir;
}

const locks = new Map<string, Promise<unknown>>();

/**
 * Serializes operations on one repository inside this process. Git's own lock files make concurrent
 * `worktree add`, ref updates and merges fail rather than wait, so we queue them instead.
 */
export async function withRepoLock<T>(cwd: string, task: () => Promise<T>): Promise<T> {
  const key = await commonGitDir(cwd);
  const previous = locks.get(key) ?? Promise.resolve();
  const run = previous.then(task, task);
  const tail = run.catch(() => undefined);
  locks.set(key, tail);
  try {
    return await run;
  } finally {
    if (locks.get(key) === tail) locks.delete(key);
  }
}

export function worktreesDirOf(repoPath: string): string {
  return `${path.resolve(repoPath)}.worktrees`;
}

export const RUN_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

export function runBranch(runId: string): string {
  assertRunId(runId);
  return `autocode/run-${runId}`;
}

export function assertRunId(runId: string): void {
  // The id becomes part of a branch name and a directory name.
  if (!RUN_ID_PATTERN.test(runId)) throw new AppError("BAD_REQUEST", `Invalid run id ${JSON.stringify(runId)}.`);
}

/** Resolves a user-given ref to a commit id; `--end-of-options` keeps a ref like "--output=x" from being an option. */
export async function resolveCommit(cwd: string, ref: string): Promise<string> {
  const out = await git(["rev-parse", "--verify", "--quiet", "--end-of-options", `${ref}^{commit}`], { cwd, okCodes: [1, 128] });
  if (out.code !== 0) throw new AppError("NOT_FOUND", `No commit named ${JSON.stringify(ref)} in the repository.`);
  return out.stdout.trim();
}
