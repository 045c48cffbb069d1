import { randomUUID } from "node:crypto";
import os from "node:os";
import type { Db } from "@/server/db/client";
import { executeRun, WorkerStoppedError, type RunPortsFactory } from "@/server/runs/execute-run";
import { runBus } from "@/server/runs/run-bus";
import { interruptExpiredRuns } from "./interrupt-run";

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
export class LocalRunner {
  readonly workerId: string;
  private readonly queue: string[] = [];
  /** Runs whose user was at their limit: offered again when one of this runner's runs ends. */
  private readonly deferred = new Set<string>();
  private readonly active = new Map<string, { controller: AbortController; done: Promise<void> }>();
  private stopped = false;
  private unsubscribe: (() => void) | undefined;
  private poller: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: Db,
    private readonly options: RunnerOptions,
  ) {
    this.workerId = options.workerId ?? `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  }

  async start(): Promise<void> {
    this.unsubscribe = runBus().subscribeAll((runId, _seq, type) => {
      if (type === "run.queued") this.enqueue(runId);
      else if (type === "run.cancel_requested") this.active.get(runId)?.controller.abort(new Error("cancelled by the user"));
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
    return [...this.active.keys()];
  }

  private pump(): void {
    while (!this.stopped && this.active.size < this.options.concurrency && this.queue.length > 0) {
      const runId = this.queue.shift()!;
      const controller = new AbortController();
      const done = executeRun({ db: this.db, runId, workerId: this.workerId, signal: controller.signal, ports: this.options.ports, perUserLimit: this.options.perUserLimit })
        .then((outcome) => {
          if (outcome === "user-at-limit") this.deferred.add(runId);
          else this.retryDeferred();
        })
        .catch((error: unknown) => console.error(`[runner] run ${runId} failed outside the orchestrator:`, error))
        .finally(() => {
          this.active.delete(runId);
          this.pump();
        });
      this.active.set(runId, { controller, done });
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
  }

  /**
   * Stops taking runs; the runs it holds may finish for graceMs (default 0 here: the web process is stopping),
   * then they are aborted and recorded as interrupted, naming the last completed step.
   */
  async stop(options: { graceMs?: number } = {}): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    if (this.poller) clearInterval(this.poller);
    const allDone = Promise.all([...this.active.values()].map((entry) => entry.done));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([allDone, new Promise((resolve) => (timer = setTimeout(resolve, options.graceMs ?? 0)))]);
    clearTimeout(timer);
    for (const { controller } of this.active.values()) controller.abort(new WorkerStoppedError());
    await allDone;
  }
}
