import { access, mkdir, readdir, rm } from "node:fs/promises";
import path from "node:path";
import type { Db } from "@/server/db/client";
import { env } from "@/server/env";
import { createRunWorktree, removeRunWorktree, type RunWorktree } from "@/server/git";
import { createGitHttpHandler, GIT_ENDPOINT_PREFIX } from "@/server/git/git-http-backend";
import { assertRunId, git, gitText, runBranch, withRepoLock } from "@/server/git/run-git";
import { AppError } from "@/server/errors";

/**
 * A run's repository as a worker sees it: where to work, how to publish a step, how to clean up. On the web
 * machine it is the project's repository itself; on a remote worker (APP_URL set) it is a local cache that
 * fetches from and pushes to the web app over git's smart HTTP protocol.
 */
export interface RunRepository {
  worktree: RunWorktree;
  /**
   * Starts making the run's branch as committed so far visible in the web app's repository (in the background:
   * the run goes on while it travels; a failed push is retried by the next).
   */
  publish(): void;
  /** Settles once every publish so far has landed; rejects with the reason when the last push failed. */
  published(): Promise<void>;
  close(): Promise<void>;
}

type RemoteSettings = { appUrl: string; secret: string; dataDir: string };

/** The remote settings when this process is a remote worker; APP_URL without WORKER_SECRET is a setup error. */
export function remoteSettings(): RemoteSettings | null {
  const { APP_URL, WORKER_SECRET, DATA_DIR } = env();
  if (!APP_URL) return null;
  if (!WORKER_SECRET) throw new Error("APP_URL is set but WORKER_SECRET is not: a remote worker needs the web app's worker secret to reach its repositories.");
  return { appUrl: APP_URL.replace(/\/+$/, ""), secret: WORKER_SECRET, dataDir: DATA_DIR };
}

/** The web app's handler of the internal git endpoint, resolving project ids to their repositories. */
export function createWorkerGitHandler(options: { db: () => Db; secret?: string }) {
  return createGitHttpHandler({
    secret: options.secret ?? env().WORKER_SECRET,
    async resolveRepository(projectId) {
      const project = await options.db().project.findUnique({ where: { id: projectId }, select: { repoPath: true } });
      return project?.repoPath ? project.repoPath : null;
    },
  });
}

function remoteEnv(settings: RemoteSettings): Record<string, string> {
  // The secret goes in the environment, not argv (visible in `ps`); redirects are not followed with it.
  const config: [string, string][] = [
    ["http.extraHeader", `Authorization: Bearer ${settings.secret}`],
    ["http.followRedirects", "false"],
    ["credential.helper", ""],
  ];
  return {
    GIT_ALLOW_PROTOCOL: "http:https",
    GIT_CONFIG_COUNT: String(config.length),
    ...Object.fromEntries(config.flatMap(([key, value], i) => [[`GIT_CONFIG_KEY_${i}`, key], [`GIT_CONFIG_VALUE_${i}`, value]])),
  };
}

function remoteUrl(settings: RemoteSettings, projectId: string): string {
  return `${settings.appUrl}${GIT_ENDPOINT_PREFIX}${encodeURIComponent(projectId)}`;
}

const cacheDirOf = (dataDir: string) => path.join(dataDir, "repo-cache");

/**
 * Removes this worker's caches of projects that no longer exist (`only`: just that project's), unless a run of
 * theirs is still open here. A deleted project's code should not outlive it on machines that worked on it.
 */
export async function sweepRepositoryCache(options: { db: Db; dataDir: string; only?: string }): Promise<string[]> {
  const dir = cacheDirOf(options.dataDir);
  const names = (await readdir(dir).catch(() => [] as string[])).filter((name) => name.endsWith(".git"));
  const ids = names.map((name) => name.slice(0, -".git".length)).filter((id) => options.only === undefined || id === options.only);
  if (ids.length === 0) return [];
  const existing = new Set((await options.db.project.findMany({ where: { id: { in: ids } }, select: { id: true } })).map((p) => p.id));
  const removed: string[] = [];
  for (const id of ids.filter((id) => !existing.has(id))) {
    const cache = path.join(dir, `${id}.git`);
    await withRepoLock(cache, async () => {
      const open = await readdir(`${cache}.worktrees`).catch(() => [] as string[]);
      if (open.length > 0) return;
      await rm(`${cache}.worktrees`, { recursive: true, force: true });
      await rm(cache, { recursive: true, force: true });
      removed.push(id);
    });
  }
  return removed;
}

/** This worker's cached copy of a project's repository (bare, under its own DATA_DIR), created on first use. */
async function cacheRepository(settings: RemoteSettings, projectId: string): Promise<string> {
  const cache = path.join(cacheDirOf(settings.dataDir), `${projectId.replace(/[^A-Za-z0-9_-]/g, "_")}.git`);
  const exists = await access(path.join(cache, "HEAD")).then(() => true, () => false);
  if (!exists) {
    await mkdir(cache, { recursive: true });
    await git(["init", "--quiet", "--bare"], { cwd: cache });
  }
  return cache;
}

/** Opens a run's repository: the local one on the web machine, or a fetched cache on a remote worker. */
type OpenOptions = { projectId: string; repoPath: string; defaultBranch: string; runId: string; startFrom?: string; resume?: boolean; signal?: AbortSignal };

export async function openRunRepository(options: OpenOptions): Promise<RunRepository> {
  const settings = remoteSettings();
  if (!settings) {
    const worktree = await createRunWorktree({ repoPath: options.repoPath, runId: options.runId, startFrom: options.startFrom, resume: options.resume });
    return {
      worktree,
      publish: () => undefined,
      published: async () => undefined,
      close: () => removeRunWorktree({ repoPath: options.repoPath, runId: options.runId }),
    };
  }
  return openRemote(settings, options);
}

async function openRemote(settings: RemoteSettings, options: OpenOptions): Promise<RunRepository> {
  assertRunId(options.runId);
  const cache = await cacheRepository(settings, options.projectId);
  const url = remoteUrl(settings, options.projectId);
  const gitEnv = remoteEnv(settings);
  const branch = runBranch(options.runId);
  const worktreePath = path.join(`${cache}.worktrees`, `run-${options.runId}`);
  const baseCommit = await withRepoLock(cache, async () => {
    // Only the default branch travels: the cache holds what runs start from, plus the runs' own commits.
    const tracking = `refs/remotes/web/${options.defaultBranch}`;
    await git(["fetch", "--quiet", "--no-tags", "--", url, `+refs/heads/${options.defaultBranch}:${tracking}`], { cwd: cache, env: gitEnv, signal: options.signal }).catch((error: unknown) => {
      throw new Error(`Could not fetch the project's repository from the web app (${url}): ${error instanceof Error ? error.message : String(error)}`);
    });
    const start = options.startFrom ?? tracking;
    if (options.startFrom && (await git(["cat-file", "-e", `${options.startFrom}^{commit}`], { cwd: cache, okCodes: [1, 128] })).code !== 0) {
      // A follow-up starts from the previous turn's last commit, which may have been pushed by another worker.
      await git(["fetch", "--quiet", "--no-tags", "--", url, options.startFrom], { cwd: cache, env: gitEnv, signal: options.signal });
    }
    const base = await gitText(["rev-parse", "--verify", "--end-of-options", `${start}^{commit}`], { cwd: cache });
    // A worktree of the same run left by a crash of this worker is replaced; -B resets a leftover branch.
    if (await access(worktreePath).then(() => true, () => false)) {
      await rm(worktreePath, { recursive: true, force: true });
      await git(["worktree", "prune"], { cwd: cache });
    }
    await mkdir(path.dirname(worktreePath), { recursive: true });
    await git(["worktree", "add", "--quiet", "-B", branch, "--", worktreePath, base], { cwd: cache });
    return base;
  });
  const push = async () => {
    await git(["push", "--quiet", "--", url, `HEAD:refs/heads/${branch}`], { cwd: worktreePath, env: gitEnv }).catch((error: unknown) => {
      // git's own words (paths, URLs) go to the log; the run's record, which share links show, gets what to do.
      throw new AppError("UNAVAILABLE", `Could not push the run's branch to ${url}: ${error instanceof Error ? error.message : String(error)}`, {
        cause: error,
        userMessage: "Could not push the run's branch to the web app: check that the worker reaches APP_URL and that its WORKER_SECRET matches the web app's",
      });
    });
  };
  // The branch exists on the web side from the start, so its diff (empty) and the run page work before any step
  // lands; that first push overlaps the run's start. Pushes go one after another, each carrying HEAD: one that
  // follows a failed push retries everything the failed one carried.
  let pending = push();
  pending.catch(() => undefined);
  return {
    worktree: { worktreePath, branch, baseCommit },
    publish() {
      pending = pending.catch(() => undefined).then(push);
      pending.catch(() => undefined); // read by published() or the close
    },
    published: () => pending,
    async close() {
      await pending.catch(() => undefined);
      await withRepoLock(cache, async () => {
        await git(["worktree", "remove", "--force", "--", worktreePath], { cwd: cache, okCodes: [128] });
        await rm(worktreePath, { recursive: true, force: true });
        await git(["worktree", "prune"], { cwd: cache });
        // The web app has the branch; the cache keeps only the objects, which later fetches reuse.
        await git(["branch", "-D", "--", branch], { cwd: cache, okCodes: [1] });
      });
    },
  };
}
