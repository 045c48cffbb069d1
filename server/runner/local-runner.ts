import type { Db } from "@/server/db/client";
import { executeRun, type RunPortsFactory } from "@/server/runs/execute-run";
import { runBus } from "@/server/runs/run-bus";
import { expirePlanReviews } from "@/server/plan-review/review-plan";
import { interruptExpiredRuns } from "./interrupt-run";
import { HeldRuns, newWorkerId, type Runner } from "./runner";

export interface RunnerOptions {
  concurrency: number;
  /** Runs one user may have running at once; their further runs wait (MAX_CONCURRENT_RUNS_PER_USER). */
  perUserLimit?: number;
  workerId?: string;
  /** How often to look for queued runs whose notification was missed, and for expired leases. */
  pollMs?: number;
  ports?: RunPortsFactory;
}

/**
 * The in-process runner for the embedded database (PGlite), where pg-boss gains nothing: one process owns the
 * database and NOTIFY does not cross its connections. It hears run.queued from the in-process run bus, polls
 * as a safety net, and aborts a run it holds when run.cancel_requested arrives. See docs/workers.md.
 */
export class LocalRunner implements Runner {
  readonly workerId: string;
  private readonly queue: string[] = [];
  /** Runs whose user was at their limit: offered again when one of this runner's runs ends. */
  private readonly deferred = new Set<string>();
  private readonly active = new HeldRuns();
  private stopped = false;
  private unsubscribe: (() => void) | undefined;
  private poller: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: Db,
    private readonly options: RunnerOptions,
  ) {
    this.workerId = options.workerId ?? newWorkerId();
  }

  async start(): Promise<void> {
    this.unsubscribe = runBus().subscribeAll((runId, _seq, type) => {
      // An approved plan puts its run back in the queue (plan review).
      if (type === "run.queued" || type === "plan.approved") this.enqueue(runId);
      else if (type === "run.cancel_requested") this.active.cancel(runId);
    });
    await this.sweep();
    this.poller = setInterval(() => void this.sweep().catch((error) => console.error("[runner] sweep failed:", error)), this.options.pollMs ?? 5000);
    this.poller.unref();
  }

  enqueue(runId: string): void {
    if (this.stopped || this.active.has(runId) || this.queue.includes(runId) || this.deferred.has(runId)) return;
    this.queue.push(runId);
    this.pump();
  }

  get activeRuns(): string[] {
    return this.active.ids;
  }

  private pump(): void {
    while (!this.stopped && this.active.size < this.options.concurrency && this.queue.length > 0) {
      const runId = this.queue.shift()!;
      const execute = async (signal: AbortSignal) => {
        const outcome = await executeRun({ db: this.db, runId, workerId: this.workerId, signal, ports: this.options.ports, perUserLimit: this.options.perUserLimit });
        if (outcome === "user-at-limit") this.deferred.add(runId);
        else this.retryDeferred();
      };
      this.active.hold(runId, execute, () => this.pump());
    }
  }

  private retryDeferred(): void {
    const waiting = [...this.deferred];
    this.deferred.clear();
    for (const runId of waiting) this.enqueue(runId);
  }

  /** Queued runs nobody announced to us, and runs whose worker died (its lease expired). */
  private async sweep(): Promise<void> {
    const queued = await this.db.run.findMany({ where: { status: "QUEUED" }, orderBy: { queuedAt: "asc" }, select: { id: true }, take: 100 });
    this.deferred.clear();
    for (const { id } of queued) this.enqueue(id);
    await interruptExpiredRuns(this.db);
    await expirePlanReviews(this.db);
  }

  /**
   * Stops taking runs; the runs it holds may finish for graceMs (default 0 here: the web process is stopping),
   * then they are aborted and recorded as interrupted, naming the last completed step.
   */
  async stop(options: { graceMs?: number } = {}): Promise<{ finished: number; interrupted: number }> {
    this.stopped = true;
    this.unsubscribe?.();
    if (this.poller) clearInterval(this.poller);
    return this.active.release(options.graceMs ?? 0);
  }
}
