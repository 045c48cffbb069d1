import { randomUUID } from "node:crypto";
import os from "node:os";
import { settleAfterRunWork } from "@/server/runs/after-run-work";
import { WorkerStoppedError } from "@/server/runs/execute-run";

/**
 * A worker that takes queued runs and executes them. Two implementations: LocalRunner (in process, for the
 * embedded database) and QueueRunner (pg-boss, for a Postgres server shared by several processes).
 */
export interface Runner {
  readonly workerId: string;
  readonly activeRuns: string[];
  start(): Promise<void>;
  /** Stops taking runs, lets held runs finish for up to graceMs, then records the rest as interrupted. */
  stop(options?: { graceMs?: number }): Promise<{ finished: number; interrupted: number }>;
}

export function newWorkerId(): string {
  return `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
}

/** The runs a runner holds: each one's abort controller and the promise of its end. */
export class HeldRuns {
  private readonly runs = new Map<string, { controller: AbortController; done: Promise<void> }>();
  /** Held runs whose end is already recorded: only their clean-up is left, so they hold no slot (issue #17). */
  private readonly recorded = new Set<string>();

  get size(): number {
    return this.runs.size;
  }

  /** The runs that hold a slot: held and not yet recorded as finished. */
  get busy(): number {
    return this.runs.size - this.recorded.size;
  }

  /** The run's run.finished is stored: its slot is free for the next run while its clean-up ends. */
  recordedFinished(runId: string): boolean {
    if (!this.runs.has(runId) || this.recorded.has(runId)) return false;
    this.recorded.add(runId);
    return true;
  }

  get ids(): string[] {
    return [...this.runs.keys()];
  }

  has(runId: string): boolean {
    return this.runs.has(runId);
  }

  /** Holds the run while `execute` runs; `onEnd` follows its end, whatever it was. */
  hold(runId: string, execute: (signal: AbortSignal) => Promise<void>, onEnd: () => void): void {
    const controller = new AbortController();
    const done = execute(controller.signal)
      .catch((error: unknown) => console.error(`[runner] run ${runId} failed outside the orchestrator:`, error))
      .finally(() => {
        this.runs.delete(runId);
        this.recorded.delete(runId);
        onEnd();
      });
    this.runs.set(runId, { controller, done });
  }

  /** Aborts every held run as a shutdown: each is recorded as interrupted, naming its last completed step. */
  interruptAll(): void {
    for (const { controller } of this.runs.values()) controller.abort(new WorkerStoppedError());
  }

  cancel(runId: string): void {
    this.runs.get(runId)?.controller.abort(new Error("cancelled by the user"));
  }

  /** Waits up to graceMs for held runs to end, then aborts the rest as a shutdown (recorded as interrupted). */
  async release(graceMs: number): Promise<{ finished: number; interrupted: number }> {
    const held = [...this.runs.values()];
    const allDone = Promise.all(held.map((entry) => entry.done));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([allDone, new Promise((resolve) => (timer = setTimeout(resolve, graceMs)))]);
    clearTimeout(timer);
    const interrupted = this.runs.size;
    this.interruptAll();
    await allDone;
    await settleAfterRunWork();
    return { finished: held.length - interrupted, interrupted };
  }
}
