import { env } from "@/server/env";
import { getDocker, LABEL_OWNER, LABEL_ROLE, OWNER_ID } from "./docker-client";
import { destroyBox, removeContainer, startBox, type Box } from "./sandbox-box";

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
  /** Set when a start or destroy failed: a container of ours may exist outside the pool. */
  private unclean = false;
  private sweeping = false;
  /** Containers handed to runs by any pool of this process (they keep the pool's label): never swept. */
  private static readonly given = new Set<string>();
  /** The pools of this process (tests make several): one pool's sweep must not take another's boxes. */
  private static readonly all = new Set<WarmPool>();
  lastError: unknown;

  constructor(
    private readonly size = env().SANDBOX_POOL_SIZE,
    /** A project environment's image; undefined: SANDBOX_IMAGE. */
    private readonly image?: string,
  ) {
    WarmPool.all.add(this);
  }

  get readyCount(): number {
    return this.ready.length;
  }

  /** Boxes ready or on their way: when none is left, the next taker would start one cold. */
  get spareCount(): number {
    return this.ready.length + this.starting;
  }

  fill(): void {
    if (this.closed || this.retryTimer !== undefined || this.sweeping) return;
    if (this.unclean && this.starting === 0) {
      // After a failed start or destroy (Docker unreachable), a container may exist that the pool does not
      // hold: remove it first, then refill (a box started during the sweep would look like a stray).
      this.unclean = false;
      this.sweeping = true;
      void this.sweep()
        .catch(() => this.later())
        .finally(() => {
          this.sweeping = false;
          this.fill();
        });
      return;
    }
    while (this.ready.length + this.starting < this.size) {
      this.starting++;
      startBox({ role: "pool", image: this.image })
        .then((box) => {
          if (this.closed) return destroyBox(box);
          this.ready.push(box);
          this.lastError = undefined;
        })
        .catch((error: unknown) => {
          this.lastError = error;
          this.unclean = true;
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

  /**
   * A ready box, or undefined when none is warm (the caller then starts one itself). The pool refills at once
   * unless `refill` is false (the caller then calls fill() when starting containers costs the run nothing).
   */
  take(options: { refill?: boolean } = {}): Box | undefined {
    let box = this.ready.shift();
    while (box !== undefined && !box.connection.alive) {
      void destroyBox(box).catch(() => this.later());
      box = this.ready.shift();
    }
    if (box) WarmPool.given.add(box.container.id);
    if (options.refill !== false) this.fill();
    return box;
  }

  /**
   * A ready box, or the next one of those already starting (it is further along than a cold start would be, and a
   * second start beside it slows both on a small machine); undefined when none is ready or starting.
   */
  async takeOrAwait(options: { refill?: boolean; maxWaitMs?: number } = {}): Promise<Box | undefined> {
    const deadline = Date.now() + (options.maxWaitMs ?? 10_000);
    for (;;) {
      const box = this.take(options);
      if (box || this.starting === 0 || this.closed || Date.now() >= deadline) return box;
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, Math.max(0, deadline - Date.now())).unref();
      });
    }
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
    // And whatever an outage left behind: no pool container of this process outlives it.
    await this.sweep().catch(() => undefined);
    WarmPool.all.delete(this);
  }

  /** A failed destroy (Docker unreachable): sweep once the engine answers again. */
  private later(): void {
    this.unclean = true;
    this.retryTimer ??= setTimeout(() => {
      this.retryTimer = undefined;
      this.fill();
    }, RETRY_DELAY_MS).unref();
  }

  /** Removes this process's pool containers that no pool holds or handed out (none while one is starting). */
  private async sweep(): Promise<void> {
    if ([...WarmPool.all].some((pool) => pool.starting > 0)) return;
    const held = new Set([...WarmPool.all].flatMap((pool) => pool.ready.map((box) => box.container.id)));
    const own = await getDocker().listContainers({ all: true, filters: { label: [`${LABEL_OWNER}=${OWNER_ID}`, `${LABEL_ROLE}=pool`] } });
    // Boxes handed to runs keep the pool's label; their sessions remove them. Forget the ones already gone.
    const present = new Set(own.map((info) => info.Id));
    for (const id of WarmPool.given) if (!present.has(id)) WarmPool.given.delete(id);
    const strays = own.filter((info) => !held.has(info.Id) && !WarmPool.given.has(info.Id));
    await Promise.all(strays.map((info) => removeContainer(getDocker().getContainer(info.Id))));
  }
}
