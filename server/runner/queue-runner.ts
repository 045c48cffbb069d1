import type PgBoss from "pg-boss";
import type { Db } from "@/server/db/client";
import { env } from "@/server/env";
import { claimRun, executeRun, type ClaimOutcome, type RunPortsFactory } from "@/server/runs/execute-run";
import { runBus } from "@/server/runs/run-bus";
import { holdAfterRunWork, trackAfterRun } from "@/server/runs/after-run-work";
import { DockerSandbox, getSandbox } from "@/server/sandbox";
import { expirePlanReviews } from "@/server/plan-review/review-plan";
import { interruptExpiredRuns } from "./interrupt-run";
import { pickFairRun } from "./pick-fair-run";
import { HeldRuns, newWorkerId, type Runner } from "./runner";
import { createBoss, requeueStrandedRuns, RUN_QUEUE, sendRunJob, startBoss, type RunJob } from "./run-queue";

export interface QueueRunnerOptions {
  /** Runs held at once by this worker (MAX_CONCURRENT_RUNS). */
  concurrency: number;
  /** Runs one user may have running across all workers (MAX_CONCURRENT_RUNS_PER_USER). */
  perUserLimit?: number;
  workerId?: string;
  /** How often to look for jobs when no notification woke us, and to re-check held runs for cancellation. */
  pollMs?: number;
  /** How often to look for expired leases and stranded queued runs. */
  sweepMs?: number;
  ports?: RunPortsFactory;
  /** An instance to use (and leave running on stop); by default the runner starts its own. */
  boss?: PgBoss;
}

/**
 * start-run stores run.queued (which wakes workers) before it sends the pg-boss job, so the first fetch can come
 * too early; for a second after a wake-up the loop fetches again this often, not at the next poll (issue #17:
 * a queued run claimed at once).
 */
const EAGER_POLL_MS = 20;
const EAGER_WINDOW_MS = 1000;

/** A run whose user is at their limit waits this long in the queue before it is offered again. */
const DEFER_SECONDS = 2;

/** How long a finished run's after-run work waits once the next claim was tried (releaseFinishedWork). */
export const AFTER_RUN_DELAY_MS = 250;

/**
 * A worker on the pg-boss queue: takes a job when it has a free slot, claims the run in the database (the
 * guard against double execution), completes the job and executes the run. run.queued notifications wake it;
 * polling is the safety net. run.cancel_requested (NOTIFY from any process) aborts a run it holds. A slot frees
 * when its run's run.finished is stored, not when its clean-up (containers, worktree) ends.
 */
export class QueueRunner implements Runner {
  readonly workerId: string;
  private boss: PgBoss | undefined;
  private readonly active = new HeldRuns();
  private stopping = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  /** Until then the loop looks again every EAGER_POLL_MS: a run's job is sent just after its run.queued event. */
  private eagerUntil = 0;
  /** Set by a run.queued, plan.approved or run.finished heard: the loop claims directly before fetching a job. */
  private claimDirectly = false;
  /** This runner's holds of runs' after-run work (container and worktree removals), released once the next claim was tried. */
  private readonly holds = new Map<string, () => void>();
  /** Held runs whose run.finished is stored and whose after-run work waits for the next claim attempt. */
  private readonly finished = new Set<string>();
  private unsubscribe: (() => void) | undefined;
  private sweeper: NodeJS.Timeout | undefined;
  private checker: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: Db,
    private readonly options: QueueRunnerOptions,
  ) {
    this.workerId = options.workerId ?? newWorkerId();
  }

  get activeRuns(): string[] {
    return this.active.ids;
  }

  async start(): Promise<void> {
    // Containers replacing the ones a run took start with its after-run work, held until the next claim was tried.
    const sandbox = getSandbox();
    if (sandbox instanceof DockerSandbox) sandbox.deferRefills((runId, refill) => trackAfterRun(runId, async () => refill()));
    this.boss = this.options.boss ?? createBoss({ supervise: true });
    if (!this.options.boss) await startBoss(this.boss);
    this.unsubscribe = runBus().subscribeAll((runId, _seq, type) => {
      // Our own run's end is heard from this process's bus right after its commit, before executeRun returns.
      if (type === "run.finished" && this.active.recordedFinished(runId)) this.finished.add(runId);
      if (type === "run.queued" || type === "plan.approved" || type === "run.finished") {
        this.eagerUntil = Date.now() + EAGER_WINDOW_MS;
        this.claimDirectly = true;
        this.wake?.();
      }
      else if (type === "run.cancel_requested") this.active.cancel(runId);
    });
    const pollMs = this.options.pollMs ?? 1000;
    const sweepMs = this.options.sweepMs ?? Math.min(5000, (env().RUN_LEASE_SECONDS * 1000) / 2);
    this.checker = setInterval(() => void this.checkCancellations().catch(() => undefined), pollMs);
    this.sweeper = setInterval(() => void this.sweep().catch((error: unknown) => console.error("[worker] sweep failed:", error)), sweepMs);
    this.checker.unref();
    this.sweeper.unref();
    await this.sweep().catch((error: unknown) => console.error("[worker] sweep failed:", error));
    this.loop = this.fetchLoop(pollMs);
  }

  private async fetchLoop(pollMs: number): Promise<void> {
    while (!this.stopping) {
      if (this.claimDirectly && this.active.busy < this.options.concurrency) {
        this.claimDirectly = false;
        // Claimed one: look again, another run may be waiting for the next free slot.
        if (await this.claimNext()) this.claimDirectly = true;
        this.releaseFinishedWork();
        continue;
      }
      this.releaseFinishedWork();
      let job: PgBoss.Job<RunJob> | undefined;
      if (this.active.busy < this.options.concurrency) {
        try {
          [job] = await this.boss!.fetch<RunJob>(RUN_QUEUE);
        } catch (error) {
          console.error("[worker] could not fetch a job:", (error as Error).message);
        }
      }
      if (job) await this.take(job);
      else await this.idle(Date.now() < this.eagerUntil ? EAGER_POLL_MS : pollMs);
    }
  }

  private idle(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    }).finally(() => (this.wake = undefined));
  }

  /**
   * A run was queued or a slot freed: claim the fairest queued run at once, without waiting for its job (sent
   * just after run.queued) or a pg-boss fetch (issue #17: the next run claimed within 50 ms of a slot freeing).
   * Its job stays queued and is completed as a spent turn when fetched. True when a run was claimed.
   */
  private async claimNext(): Promise<boolean> {
    try {
      const picked = await this.claimFairest();
      if (picked?.outcome !== "claimed") return false;
      this.hold(picked.runId);
      return true;
    } catch (error) {
      console.error("[worker] could not claim a queued run; its job will offer it again:", (error as Error).message);
      return false;
    }
  }

  private hold(runId: string): void {
    const execute = async (signal: AbortSignal) => void (await executeRun({ db: this.db, runId, workerId: this.workerId, signal, ports: this.options.ports, claimed: true }));
    // Each execution releases its own hold: a run held again (resumed after plan review) is not freed by its earlier end.
    const release = holdAfterRunWork(runId);
    this.holds.set(runId, release);
    this.active.hold(runId, execute, () => {
      // Its run.finished was heard: the loop releases the work once it tried the next claim (the execution ends
      // a few ms after the event, before that). Otherwise (plan review, a lost lease) nothing waits for a claim.
      if (!this.finished.has(runId)) this.releaseHold(runId, release);
      this.wake?.();
    });
  }

  private releaseHold(runId: string, release: () => void): void {
    release();
    if (this.holds.get(runId) === release) this.holds.delete(runId);
  }

  /**
   * The next claim was tried (or the slot was taken meanwhile): finished runs' removals may start, a moment later.
   * The run's end has just been stored and every viewer is receiving it and closing its stream; a container removal
   * and a memory write at that moment took the cores from that delivery (2 cores, 200 viewers: run.finished reached
   * the last viewer 140-200 ms after it was stored, 60-70 ms with the work AFTER_RUN_DELAY_MS later; issue #17,
   * stream.live_p99_ms). Only a finished run's work waits: nothing resumes it, and a stopping worker releases at once.
   */
  private releaseFinishedWork(): void {
    for (const runId of this.finished) {
      this.finished.delete(runId);
      const release = this.holds.get(runId);
      if (release) setTimeout(() => this.releaseHold(runId, release), AFTER_RUN_DELAY_MS);
    }
  }

  private releaseAfterRunWork(runId: string): void {
    this.finished.delete(runId);
    const release = this.holds.get(runId);
    if (release) this.releaseHold(runId, release);
  }

  private async take(job: PgBoss.Job<RunJob>): Promise<void> {
    const boss = this.boss!;
    let runId = job.data.runId;
    let outcome;
    try {
      ({ runId, outcome } = await this.claimFairly(job.data.runId));
    } catch (error) {
      // pg-boss offers a failed job again after its retry delay.
      await boss.fail(RUN_QUEUE, job.id, { error: (error as Error).message }).catch(() => undefined);
      return;
    }
    // The user's other runs hold their slots: this one waits its turn in the queue rather than being refused.
    if (outcome === "user-at-limit") await sendRunJob({ db: this.db, runId, boss, startAfterSeconds: DEFER_SECONDS });
    await boss.complete(RUN_QUEUE, job.id).catch(() => undefined);
    if (outcome === "claimed") this.hold(runId);
  }

  /**
   * A job is a turn, not a run: the worker claims the fairest queued run (pickFairRun), the job's own run when
   * none is claimable or every pick is lost to another worker. A job's run left queued gets a job again, so
   * every queued run keeps one.
   */
  private async claimFairly(jobRunId: string): Promise<{ runId: string; outcome: ClaimOutcome }> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const picked = await this.claimFairest(jobRunId);
      if (!picked) break;
      if (picked.outcome !== "claimed") continue;
      const stillQueued = await this.db.run.count({ where: { id: jobRunId, status: "QUEUED" } });
      if (stillQueued) await sendRunJob({ db: this.db, runId: jobRunId, boss: this.boss! }).catch((error: unknown) =>
        console.error(`[worker] could not queue run ${jobRunId} again; the sweep will:`, (error as Error).message),
      );
      return picked;
    }
    return { runId: jobRunId, outcome: await claimRun({ db: this.db, runId: jobRunId, workerId: this.workerId, perUserLimit: this.options.perUserLimit }) };
  }

  /** Picks the fairest queued run and tries to claim it; null when none is queued, or when the pick is `unless`. */
  private async claimFairest(unless?: string): Promise<{ runId: string; outcome: ClaimOutcome } | null> {
    const { perUserLimit } = this.options;
    const runId = await pickFairRun({ db: this.db, perUserLimit });
    if (!runId || runId === unless) return null;
    return { runId, outcome: await claimRun({ db: this.db, runId, workerId: this.workerId, perUserLimit }) };
  }

  /** The safety net under NOTIFY: a held run whose cancellation we did not hear about is aborted here. */
  private async checkCancellations(): Promise<void> {
    if (this.active.size === 0) return;
    const cancelled = await this.db.run.findMany({ where: { id: { in: this.activeRuns }, cancelRequestedAt: { not: null } }, select: { id: true } });
    for (const { id } of cancelled) this.active.cancel(id);
  }

  private async sweep(): Promise<void> {
    await interruptExpiredRuns(this.db);
    await expirePlanReviews(this.db);
    await requeueStrandedRuns({ db: this.db, boss: this.boss!, olderThanMs: env().RUN_LEASE_SECONDS * 1000 });
  }

  /** Aborts every held run now (a second SIGTERM): each is recorded as interrupted. */
  interruptAll(): void {
    this.active.interruptAll();
  }

  /**
   * Stops taking jobs, lets held runs finish for up to graceMs, then aborts the rest, which are recorded as
   * interrupted (naming the last completed step). Jobs are completed at claim time, so none is left taken.
   */
  async stop(options: { graceMs?: number } = {}): Promise<{ finished: number; interrupted: number }> {
    this.stopping = true;
    this.wake?.();
    await this.loop;
    // No claim follows: every held run's after-run work may start (held runs still executing start theirs as they end).
    for (const runId of [...this.holds.keys()]) this.releaseAfterRunWork(runId);
    this.unsubscribe?.();
    clearInterval(this.checker);
    clearInterval(this.sweeper);
    const released = await this.active.release(options.graceMs ?? env().WORKER_SHUTDOWN_GRACE_SECONDS * 1000);
    if (!this.options.boss) await this.boss?.stop({ graceful: false, wait: true, close: true });
    return released;
  }
}
