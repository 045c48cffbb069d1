import { env } from "@/server/env";
import { randomBytes } from "node:crypto";
import { checkDockerAvailable, runNameToken } from "./docker-client";
import { reapOrphans, removeRunContainers, startReaper, stopReaper } from "./reap-orphans";
import { startBox, type Box } from "./sandbox-box";
import { DockerSandboxSession } from "./sandbox-session";
import type { OpenSessionOptions, Sandbox } from "./types";
import { WarmPool } from "./warm-pool";

/** Project images with a warm box kept ready (the most recently used ones). */
const MAX_IMAGE_POOLS = 3;

export class DockerSandbox implements Sandbox {
  readonly pool: WarmPool;
  private readonly imagePools = new Map<string, WarmPool>();
  private readonly poolSize: number;
  private readonly sessions = new Map<string, Set<DockerSandboxSession>>();
  private readonly removals = new Set<Promise<void>>();
  private started: Promise<void> | undefined;
  /** When a pool refills after a run took a box from it: at once, unless a runner defers it (deferRefills). */
  private scheduleRefill: (runId: string, refill: () => void) => void = (_runId, refill) => refill();

  constructor(options: { poolSize?: number } = {}) {
    this.pool = new WarmPool(options.poolSize);
    this.poolSize = options.poolSize ?? env().SANDBOX_POOL_SIZE;
  }

  /** Checks the engine and image, reaps orphans and starts filling the pool; once, on first use. */
  start(): Promise<void> {
    this.started ??= (async () => {
      await checkDockerAvailable();
      await reapOrphans();
      this.pool.fill();
      startReaper();
    })().catch((error: unknown) => {
      this.started = undefined;
      throw error;
    });
    return this.started;
  }

  async openSession(runId: string, options: OpenSessionOptions = {}): Promise<DockerSandboxSession> {
    await this.start();
    const session = new DockerSandboxSession(
      runId,
      (sequence) => this.acquire(runId, sequence, options.image),
      (closed, removal) => {
        this.sessions.get(runId)?.delete(closed);
        this.removals.add(removal);
        void removal.then(() => this.removals.delete(removal));
      },
    );
    let set = this.sessions.get(runId);
    if (set === undefined) this.sessions.set(runId, (set = new Set()));
    set.add(session);
    await session.prepare();
    return session;
  }

  async killRun(runId: string): Promise<void> {
    const sessions = [...(this.sessions.get(runId) ?? [])];
    this.sessions.delete(runId);
    await Promise.all([...sessions.map((session) => session.cancel()), removeRunContainers(runId)]);
  }

  /**
   * A worker starts the containers that replace the ones a run took as that run's after-run work (issue #17): a
   * container start beside a run's test run or commit made them two to four times slower on 2 cores. Only while
   * the pool still has a spare box: the default pool (3) covers one run's two containers.
   */
  deferRefills(schedule: (runId: string, refill: () => void) => void): void {
    this.scheduleRefill = schedule;
  }

  checkAvailable(): Promise<void> {
    return checkDockerAvailable();
  }

  async shutdown(): Promise<void> {
    stopReaper();
    const sessions = [...this.sessions.values()].flatMap((set) => [...set]);
    this.sessions.clear();
    const imagePools = [...this.imagePools.values()];
    this.imagePools.clear();
    await Promise.all([...sessions.map((session) => session.close().catch(() => undefined)), ...this.removals, this.pool.close(), ...imagePools.map((pool) => pool.close())]);
    this.started = undefined;
  }

  private poolFor(image: string): WarmPool {
    let pool = this.imagePools.get(image);
    if (pool) {
      this.imagePools.delete(image); // re-inserted below: Map order is the recency order
    } else {
      pool = new WarmPool(Math.min(1, this.poolSize), image);
      const oldest = this.imagePools.keys().next();
      if (this.imagePools.size >= MAX_IMAGE_POOLS && !oldest.done) {
        void this.imagePools.get(oldest.value)?.close();
        this.imagePools.delete(oldest.value);
      }
    }
    this.imagePools.set(image, pool);
    return pool;
  }

  /** A warm box renamed after its run (names are how other processes find a run's containers), or a cold one. */
  private async acquire(runId: string, sequence: number, image?: string): Promise<Box> {
    const name = `autocode-run-${runNameToken(runId)}-${sequence}-${randomBytes(3).toString("hex")}`;
    // A project environment's image gets a warm box of its own after its first use (one per recent image).
    const pool = image === undefined ? this.pool : this.poolFor(image);
    const warm = await pool.takeOrAwait({ refill: false });
    // While the pool keeps a spare box the refill can wait for the run's end; an empty pool refills at once, or
    // every run after it would start its containers cold (a busy worker's runs take them faster than runs end).
    if (pool.spareCount > 0) this.scheduleRefill(runId, () => pool.fill());
    else pool.fill();
    if (warm === undefined) return startBox({ role: "run", runId, name, image });
    await warm.container.rename({ name }).catch(() => undefined);
    return warm;
  }
}
