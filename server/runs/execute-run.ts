import fs from "node:fs/promises";
import type { Db } from "@/server/db/client";
import { decryptSecret } from "@/server/auth/secrets";
import { env } from "@/server/env";
import { checkUserModelEndpoint } from "@/server/network/outbound-address";
import { errorText } from "@/server/errors";
import { resolveSafePath } from "@/server/editing/resolve-safe-path";
import { createLlmClient } from "@/server/llm/create-llm-client";
import { resolveModelSettings, type UserModelOverrides } from "@/server/llm/resolve-model-settings";
import type { LlmMode } from "@/server/env";
import { getMemoryStore } from "@/server/memory/memory-store";
import { createDirWorkspace } from "@/server/orchestrator/adapters/dir-workspace";
import { createSandboxTools } from "@/server/orchestrator/adapters/sandbox-tools";
import type { OrchestratorPorts, RunEventInput } from "@/server/orchestrator/ports";
import { runTask } from "@/server/orchestrator/run-task";
import { interruptionReason, lastCompletedStep } from "@/server/runner/interrupt-run";
import { openRunRepository, remoteSettings, sweepRepositoryCache, type RunRepository } from "@/server/runner/remote-repository";
import { deliverRunWebhooks } from "@/server/notifications/deliver-run-webhooks";
import { getSandbox } from "@/server/sandbox";
import { approvalDeadline, approvedPlanOf } from "@/server/plan-review/review-plan";
import { followUpStart } from "@/server/threads/follow-up-start";
import { taskWithConversation } from "@/server/threads/thread-conversation";
import { trackAfterRun } from "./after-run-work";
import { prepareRunEnvironment } from "./prepare-run-environment";
import { changeRunEnvironment } from "@/server/environments/change-run-environment";
import { appendRunEvent, appendRunEventTx, PgEventSink, publishRunEvent, type StoredEvent } from "./run-events";

const MAX_CONTEXT_FILE_BYTES = 200_000;

export async function userOverrides(db: Db, userId: string): Promise<UserModelOverrides | undefined> {
  const row = await db.userModelSettings.findUnique({ where: { userId } });
  if (!row) return undefined;
  return {
    mode: (row.mode ?? undefined) as LlmMode | undefined,
    baseUrl: row.baseUrl ?? undefined,
    apiKey: row.apiKeyCipher ? decryptSecret(row.apiKeyCipher) : undefined,
    models: (row.models ?? {}) as UserModelOverrides["models"],
  };
}

/** The models a run uses: the author's overrides over the server's, checked, and recorded on the run (without the key). */
async function runModelSettings(db: Db, runId: string, authorId: string) {
  const overrides = await userOverrides(db, authorId);
  // Checked again when used: the name may resolve elsewhere than when it was saved.
  if (overrides?.baseUrl) await checkUserModelEndpoint({ baseUrl: overrides.baseUrl, allowPrivate: env().ALLOW_PRIVATE_ADDRESSES });
  const modelSettings = resolveModelSettings(env(), overrides);
  // The snapshot records which models ran; the API key never leaves the settings table.
  await db.run.update({ where: { id: runId }, data: { modelSettings: { mode: modelSettings.mode, baseUrl: modelSettings.baseUrl, models: modelSettings.models } } });
  return modelSettings;
}

/** Ports of a real run; tests build their own. */
export interface RunPortsFactory {
  (input: { worktreePath: string; settings: ReturnType<typeof resolveModelSettings> }): Omit<OrchestratorPorts, "events">;
}

const realPorts: RunPortsFactory = ({ worktreePath, settings }) => ({
  llm: createLlmClient({ settings }),
  sandbox: getSandbox(),
  workspace: createDirWorkspace(worktreePath),
  memory: getMemoryStore(),
  tools: createSandboxTools(),
});

/**
 * Each committed step is published at once (pushed, on a remote worker) while the run goes on: a crash loses at
 * most the steps whose push was still travelling, and the run's end waits for every push (WorkerEventSink).
 */
function withPublishedSteps<P extends Omit<OrchestratorPorts, "events">>(ports: P, repository: RunRepository): P {
  const { workspace } = ports;
  return {
    ...ports,
    workspace: {
      ...workspace,
      async commitStep(input) {
        const commit = await workspace.commitStep(input);
        if (commit) repository.publish();
        return commit;
      },
    },
  };
}

export type ClaimOutcome = "claimed" | "not-queued" | "user-at-limit";

/** Abort reason of a run whose worker is shutting down: its end is recorded as interrupted, not cancelled. */
export class WorkerStoppedError extends Error {
  constructor() {
    super("the worker is shutting down");
    this.name = "WorkerStoppedError";
  }
}

/** Abort reason of a run whose lease another process found expired and closed: the record is no longer ours. */
class LeaseLostError extends Error {
  constructor() {
    super("this worker's lease on the run lapsed and the run was closed elsewhere");
    this.name = "LeaseLostError";
  }
}

/**
 * The one guard against running a run twice (a job may be delivered twice, two runners may hear one event):
 * run.claimed appended only while the run is QUEUED (checked under the row lock), which exactly one worker wins. With perUserLimit the check and the
 * claim happen under a per-user advisory lock, so two workers cannot both take a user's last free slot.
 */
export async function claimRun(options: { db: Db; runId: string; workerId: string; perUserLimit?: number }): Promise<ClaimOutcome> {
  const { db, runId, workerId, perUserLimit } = options;
  const leaseMs = env().RUN_LEASE_SECONDS * 1000;
  const outcome = await db.$transaction(async (tx): Promise<ClaimOutcome | StoredEvent> => {
    const run = await tx.run.findUnique({ where: { id: runId }, select: { status: true, cancelRequestedAt: true, task: { select: { authorId: true } } } });
    if (!run || run.status !== "QUEUED" || run.cancelRequestedAt) return "not-queued";
    if (perUserLimit !== undefined) {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`autocode-user-runs:${run.task.authorId}`}))`;
      const running = await tx.run.count({ where: { status: "RUNNING", task: { authorId: run.task.authorId } } });
      if (running >= perUserLimit) return "user-at-limit";
    }
    // run.claimed moves the run to RUNNING through the record fold, under the same row lock as the check.
    const claimed = await appendRunEventTx(tx, { runId, type: "run.claimed", payload: { workerId } }, { status: "QUEUED", cancelRequestedAt: null });
    if (!claimed) return "not-queued";
    await tx.run.update({ where: { id: runId }, data: { workerId, leaseExpiresAt: new Date(Date.now() + leaseMs) } });
    return claimed;
  });
  if (outcome === "claimed" || outcome === "not-queued" || outcome === "user-at-limit") return outcome;
  publishRunEvent(runId, outcome);
  return "claimed";
}

/**
 * While the run is aborted by a worker shutdown, the orchestrator's "cancelled" end becomes "interrupted";
 * once the lease is lost nothing more is written (another process already closed the record).
 */
class WorkerEventSink extends PgEventSink {
  constructor(
    private readonly database: Db,
    private readonly signal: AbortSignal,
    private readonly repository?: RunRepository,
  ) {
    super(database);
  }

  override async append(event: RunEventInput): Promise<{ seq: number }> {
    const reason: unknown = this.signal.reason;
    if (this.signal.aborted && reason instanceof LeaseLostError) return { seq: 0 };
    if (event.type === "run.finished") {
      // The end is recorded once the branch it describes is in the web app's repository (a remote worker's pushes
      // travel while the run goes on): whoever reads the diff, merges or opens a pull request on run.finished sees every step.
      const unpublished = await this.repository?.published().then(() => null, (error: unknown) => ({ error }));
      if (unpublished) {
        console.error(`[runner] the branch of run ${event.runId} could not be published:`, unpublished.error);
        if (event.payload.status === "succeeded") {
          const reason = `${errorText(unpublished.error, "runner")} (the run's steps are committed on the worker, not in the web app)`;
          event = { ...event, payload: { ...event.payload, status: "failed", reason } };
        }
      }
    }
    if (this.signal.aborted && reason instanceof WorkerStoppedError && event.type === "run.finished") {
      const lastStep = await lastCompletedStep(this.database, event.runId);
      return super.append({ ...event, payload: { ...event.payload, status: "interrupted", reason: interruptionReason("stopped", lastStep) } });
    }
    return super.append(event);
  }
}

/**
 * Executes one queued run: claims it (unless the caller already did, with claimRun), cuts its worktree and
 * branch, runs the orchestrator with real ports and records everything as run events. Any failure outside the
 * orchestrator still ends the run with a reason, so no run is left "running" by an error.
 */
export async function executeRun(options: {
  db: Db;
  runId: string;
  workerId: string;
  signal?: AbortSignal;
  ports?: RunPortsFactory;
  claimed?: boolean;
  perUserLimit?: number;
}): Promise<ClaimOutcome> {
  const { db, runId } = options;
  const leaseMs = env().RUN_LEASE_SECONDS * 1000;
  if (!options.claimed) {
    const outcome = await claimRun(options);
    if (outcome !== "claimed") return outcome; // taken by another worker, cancelled, gone, or the user is at their limit
  }

  const lost = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, lost.signal]) : lost.signal;
  let renewedAt = Date.now();
  const lease = setInterval(() => {
    const sinceMs = Date.now() - renewedAt;
    if (sinceMs > (leaseMs * 2) / 3) console.warn(`[runner] lease of run ${runId} renewed ${sinceMs} ms after the last (lease ${leaseMs} ms): the process is overloaded`);
    renewedAt = Date.now();
    db.run
      .updateMany({ where: { id: runId, workerId: options.workerId, status: "RUNNING" }, data: { leaseExpiresAt: new Date(Date.now() + leaseMs) } })
      .then((renewed) => {
        if (renewed.count === 0) lost.abort(new LeaseLostError());
      })
      .catch(() => undefined); // a missed renewal is retried at the next tick; the lease outlasts two of them
  }, leaseMs / 3);
  lease.unref();
  let repository: RunRepository | undefined;
  let projectId: string | undefined;
  /** Reads begun beside the worktree's creation: settled before the run's end is recorded, whatever ended it. */
  const besides: Promise<unknown>[] = [];
  try {
    const run = await db.run.findUniqueOrThrow({ where: { id: runId }, include: { task: true, project: true } });
    projectId = run.projectId;
    // Neither needs the worktree: read while it is cut (issue #17, a run's start), awaited after run.branched as before.
    const modelSettingsReady = runModelSettings(db, runId, run.task.authorId);
    const taskReady = taskWithConversation({ db, repoPath: run.project.repoPath, prompt: run.task.prompt, parentRunId: run.parentRunId });
    besides.push(modelSettingsReady, taskReady);
    for (const ready of besides) ready.catch(() => undefined); // an early rejection is awaited below, not unhandled
    // A run whose plan was approved in review resumes from the same base commit on its own branch.
    const approved = await approvedPlanOf(db, runId);
    const startFrom = approved && run.baseCommit ? run.baseCommit : await followUpStart(db, run);
    repository = await openRunRepository({ projectId: run.projectId, repoPath: run.project.repoPath, defaultBranch: run.project.defaultBranch, runId, startFrom, resume: approved !== null, signal });
    const worktree = repository.worktree;
    await appendRunEvent(db, { runId, type: "run.branched", payload: { branch: worktree.branch, baseCommit: worktree.baseCommit } });
    const modelSettings = await modelSettingsReady;

    const contextFiles = [];
    for (const file of run.task.contextFiles) {
      // Through the same guard as every edit: a symlink in the repository must not read files of the host.
      const safe = await resolveSafePath(worktree.worktreePath, file);
      if (!safe.ok) continue;
      const info = await fs.lstat(safe.absolute).catch(() => null);
      if (!info?.isFile()) continue;
      const content = await fs.readFile(safe.absolute, "utf8").catch(() => null);
      if (content !== null) contextFiles.push({ path: file, content: content.slice(0, MAX_CONTEXT_FILE_BYTES) });
    }
    const ports = withPublishedSteps((options.ports ?? realPorts)({ worktreePath: worktree.worktreePath, settings: modelSettings }), repository);
    const environment = await prepareRunEnvironment({ db, runId, projectId: run.projectId, worktreePath: worktree.worktreePath, baseCommit: worktree.baseCommit, sandbox: ports.sandbox, signal });
    await runTask({
      environment,
      runId,
      projectId: run.projectId,
      task: await taskReady,
      contextFiles,
      plan: approved ?? run.task.plan ?? undefined,
      planReview: run.planReview && !approved ? { expiresAt: approvalDeadline() } : undefined,
      settings: { tokenBudget: run.tokenBudget ?? undefined, costBudgetUsd: run.costBudgetUsd ?? undefined },
      signal,
      ports: {
        ...ports,
        events: new WorkerEventSink(db, signal, repository),
        environment: environment
          ? { change: (change) => changeRunEnvironment({ db, projectId: run.projectId, repoRoot: worktree.worktreePath, change, signal: change.signal }) }
          : undefined,
      },
    });
  } catch (error) {
    // Nothing of this run is written after its end: a settings write still in flight lands first.
    await Promise.allSettled(besides);
    const current = await db.run.findUnique({ where: { id: runId }, select: { status: true, workerId: true } });
    if (current?.status === "RUNNING" && current.workerId === options.workerId) {
      const cancelled = signal.aborted;
      await new WorkerEventSink(db, signal)
        .append({
          runId,
          type: "run.finished",
          payload: { status: cancelled ? "cancelled" : "failed", reason: cancelled ? "cancelled by the user" : errorText(error, "runner") },
        })
        .catch((appendError: unknown) => console.error(`[runner] could not record the end of run ${runId}:`, appendError));
    }
  } finally {
    clearInterval(lease);
    // Every step is committed on the run's branch; the working directory is not needed once the run ends. A local
    // worktree is removed after the slot is freed (the next queued run need not wait; a stopping worker waits for it,
    // after-run-work.ts); a remote worker's close first waits for a push still travelling (its pushes landed before
    // run.finished unless the run ended outside the orchestrator), so the run stays held (a stopping worker waits for
    // it) though its slot is free from run.finished on (queue-runner.ts).
    const opened = repository;
    if (opened) {
      const remote = remoteSettings();
      const cleanup = async () => {
        await opened.close().catch((error: unknown) => console.error(`[runner] could not remove the worktree of run ${runId}:`, error));
        // A remote worker drops its copy of a project deleted while it held one of its runs.
        if (remote && projectId) await sweepRepositoryCache({ db, dataDir: remote.dataDir, only: projectId }).catch(() => undefined);
      };
      if (remote) await cleanup();
      else trackAfterRun(runId, cleanup);
    }
    // In the background: a slow or failing receiver never holds the worker (attempts are recorded).
    void deliverRunWebhooks({ db, runId });
  }
  return "claimed";
}
