import { randomUUID } from "node:crypto";
import os from "node:os";
import type { Db } from "@/server/db/client";
import { removeRunContainers } from "@/server/sandbox";
import { executeRun, type RunPortsFactory } from "@/server/runs/execute-run";
import { runBus } from "@/server/runs/run-bus";
import { appendRunEvent } from "@/server/runs/run-events";

export interface RunnerOptions {
  concurrency: number;
  workerId?: string;
  /** How often to look for queued runs whose notification was missed, and for expired leases. */
  pollMs?: number;
  ports?: RunPortsFactory;
}

/**
 * Takes queued runs and executes them, at most `concurrency` at a time. It hears run.queued events from
 * the run bus, polls as a safety net, and aborts a run it holds when run.cancel_requested arrives.
 */
export class LocalRunner {
  readonly workerId: string;
  private readonly queue: string[] = [];
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
    if (this.stopped || this.active.has(runId) || this.queue.includes(runId)) return;
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
      const done = executeRun({ db: this.db, runId, workerId: this.workerId, signal: controller.signal, ports: this.options.ports })
        .catch((error: unknown) => console.error(`[runner] run ${runId} failed outside the orchestrator:`, error))
        .finally(() => {
          this.active.delete(runId);
          this.pump();
        });
      this.active.set(runId, { controller, done });
    }
  }

  /** Queued runs nobody announced to us, and runs whose worker died (its lease expired). */
  private async sweep(): Promise<void> {
    const queued = await this.db.run.findMany({ where: { status: "QUEUED" }, orderBy: { queuedAt: "asc" }, select: { id: true }, take: 100 });
    for (const { id } of queued) this.enqueue(id);
    const orphaned = await this.db.run.findMany({
      where: { status: "RUNNING", leaseExpiresAt: { lt: new Date() } },
      select: { id: true, steps: { where: { status: "SUCCEEDED" }, orderBy: { order: "desc" }, take: 1, select: { planStepId: true } } },
    });
    for (const run of orphaned) await this.interrupt(run.id, run.steps[0]?.planStepId);
  }

  /** A run whose worker died is marked interrupted (not resumed), naming the last step that completed. */
  private async interrupt(runId: string, lastStep: string | undefined): Promise<void> {
    const taken = await this.db.run.updateMany({ where: { id: runId, status: "RUNNING", leaseExpiresAt: { lt: new Date() } }, data: { leaseExpiresAt: null } });
    if (taken.count === 0) return;
    await removeRunContainers(runId).catch(() => 0);
    await appendRunEvent(this.db, {
      runId,
      type: "run.finished",
      payload: {
        status: "interrupted",
        reason: `The worker running this run stopped unexpectedly${lastStep ? ` after step ${lastStep} completed` : " before any step completed"}. Re-run it to try again.`,
      },
    });
  }

  /** Stops taking runs; the runs it holds are cancelled and recorded as such. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    if (this.poller) clearInterval(this.poller);
    for (const { controller } of this.active.values()) controller.abort(new Error("the server is shutting down"));
    await Promise.all([...this.active.values()].map((entry) => entry.done));
  }
}
