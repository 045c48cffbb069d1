import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { db } from "@/server/db/client";
import { env } from "@/server/env";
import { createLegacyWsServer } from "@/server/legacy/legacy-ws";
import { ensureChroma } from "@/server/memory/chroma-server";
import { shutdownMemory, unwatchProject, watchProject } from "@/server/memory/memory-store";
import { registerProjectHooks } from "@/server/projects/project-hooks";
import { LocalRunner } from "@/server/runner/local-runner";
import { QueueRunner } from "@/server/runner/queue-runner";
import type { Runner } from "@/server/runner/runner";
import { closeRunQueue, runQueueMode } from "@/server/runner/run-queue";
import { runBus } from "@/server/runs/run-bus";
import { sweepRunBranches } from "@/server/runs/sweep-run-branches";
import { startImageSweep } from "@/server/environments/prune-environment-images";
import { checkDockerAvailable, getSandbox, reapOrphans, startReaper, stopReaper } from "@/server/sandbox";

const SWEEP_EVERY_MS = 60 * 60 * 1000;

export interface BackgroundServices {
  runner?: Runner;
  /** Returns true when the upgrade request was ours (the original /api/ws endpoint). */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  stop(): Promise<void>;
}

/** Long-lived work beside the web server: the in-process worker, the sandbox reaper and the repository index. */
export async function startBackgroundServices(options: { log?: (line: string) => void } = {}): Promise<BackgroundServices> {
  const log = options.log ?? ((line: string) => console.log(`[autocode] ${line}`));
  const settings = env();
  const stops: Array<() => Promise<void>> = [async () => runBus().close()];
  const legacyWs = createLegacyWsServer({ db });
  stops.unshift(() => legacyWs.close());

  try {
    await checkDockerAvailable();
    const reaped = await reapOrphans();
    if (reaped) log(`removed ${reaped} sandbox container(s) left by a stopped process`);
    startReaper();
    // Old environment images go hourly; a failed sweep only logs (the next one tries again).
    const stopSweep = startImageSweep({ db, retentionHours: settings.ENV_IMAGE_RETENTION_HOURS, log });
    stops.push(async () => {
      stopSweep();
      stopReaper();
      await getSandbox().shutdown();
    });
  } catch (error) {
    // The app still serves history, share links and settings; runs fail with this same message.
    log(`sandbox unavailable: ${(error as { userMessage?: string }).userMessage ?? String(error)}`);
  }

  // Memory is an aid to planning, never a requirement: start it in the background and keep serving without it.
  const unregister = registerProjectHooks({
    created: ({ id, repoPath }) => watchProject({ projectId: id, root: repoPath }),
    deleted: (projectId) => unwatchProject(projectId),
  });
  stops.push(async () => {
    unregister();
    await shutdownMemory();
  });
  void (async () => {
    try {
      const chroma = await ensureChroma();
      const projects = await db().project.findMany({ where: { repoPath: { not: "" } }, select: { id: true, repoPath: true } });
      for (const project of projects) watchProject({ projectId: project.id, root: project.repoPath });
      log(`memory on Chroma at ${chroma.url}; watching ${projects.length} project(s)`);
    } catch (error) {
      log(`memory unavailable (runs continue without it): ${(error as { userMessage?: string }).userMessage ?? String(error)}`);
    }
  })();

  let runner: Runner | undefined;
  if (settings.WORKER_ENABLED) {
    // pg-boss on a Postgres server; on the embedded PGlite the in-process runner (docs/workers.md says why).
    const mode = await runQueueMode(db());
    const limits = { concurrency: settings.MAX_CONCURRENT_RUNS, perUserLimit: settings.MAX_CONCURRENT_RUNS_PER_USER };
    const started: Runner = mode === "pg-boss" ? new QueueRunner(db(), limits) : new LocalRunner(db(), limits);
    await started.start();
    runner = started;
    // The web process stops in seconds (its callers wait on it); held runs are recorded as interrupted.
    stops.unshift(async () => void (await started.stop({ graceMs: 0 })));
    log(`in-process worker ${started.workerId} (${mode}) takes up to ${settings.MAX_CONCURRENT_RUNS} run(s) at a time`);
  }
  stops.push(() => closeRunQueue());

  // Old run branches (past RUN_BRANCH_RETENTION_DAYS) and worktrees a crash left behind, hourly.
  const sweep = () =>
    void sweepRunBranches({ db: db(), retentionDays: settings.RUN_BRANCH_RETENTION_DAYS })
      .then(({ removedRunIds }) => removedRunIds.length && log(`swept the branches or worktrees of ${removedRunIds.length} old run(s)`))
      .catch((error: unknown) => console.error("[autocode] run branch sweep failed:", error));
  sweep();
  const sweeper = setInterval(sweep, SWEEP_EVERY_MS).unref();
  stops.unshift(async () => clearInterval(sweeper));

  return {
    runner,
    handleUpgrade: (req, socket, head) => legacyWs.handleUpgrade(req, socket, head),
    async stop() {
      for (const stop of stops) await stop().catch((error: unknown) => console.error("[autocode] shutdown step failed:", error));
    },
  };
}
