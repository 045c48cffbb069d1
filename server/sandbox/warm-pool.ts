import { env } from "@/server/env";
import { destroyBox, startBox, type Box } from "./sandbox-box";

const RETRY_DELAY_MS = 5_000;

/**
 * Pre-started single-use containers. A box leaves the pool for exactly one run and never comes back;
 * refills happen in the background so the next run's first execution skips container start.
 */
export class WarmPool {
  private ready: Box[] = [];
  private starting = 0;
  private closed = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private waiters: Array<() => void> = [];
  lastError: unknown;

  constructor(private readonly size = env().SANDBOX_POOL_SIZE) {}

  get readyCount(): number {
    return this.ready.length;
  }

  fill(): void {
    if (this.closed || this.retryTimer !== undefined) return;
    while (this.ready.length + this.starting < this.size) {
      this.starting++;
      startBox({ role: "pool" })
        .then((box) => {
          if (this.closed) return destroyBox(box);
          this.ready.push(box);
          this.lastError = undefined;
        })
        .catch((error: unknown) => {
          this.lastError = error;
          // Engine down or image missing: retry later rather than spinning.
          this.retryTimer ??= setTimeout(() => {
            this.retryTimer = undefined;
            this.fill();
          }, RETRY_DELAY_MS).unref();
        })
        .finally(() => {
          this.starting--;
          for (const wake of this.waiters.splice(0)) wake();
        });
    }
  }

  /** A ready box, or undefined when none is warm (the caller then starts one itself). */
  take(): Box | undefined {
    let box = this.ready.shift();
    while (box !== undefined && !box.connection.alive) {
      void destroyBox(box).catch(() => undefined);
      box = this.ready.shift();
    }
    this.fill();
    return box;
  }

  /** Resolves when the pool is full or nothing is starting (for benchmarks and tests). */
  async waitUntilFull(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    this.fill();
    while (this.ready.length < this.size && Date.now() < deadline) {
      if (this.starting === 0 && this.retryTimer !== undefined) throw this.lastError;
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 200).unref();
      });
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    const boxes = this.ready.splice(0);
    await Promise.all(boxes.map((box) => destroyBox(box, "sandbox shut down").catch(() => undefined)));
    // Boxes still starting are destroyed by fill()'s then() once they arrive.
    while (this.starting > 0) await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
