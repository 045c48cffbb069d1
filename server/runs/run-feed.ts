import type { StoredEvent } from "./events/contract";

/** Reads a run's stored events after a seq, in order (one page). */
export type FeedReader = (afterSeq: number) => Promise<StoredEvent[]>;
type Listener = (event: StoredEvent) => void;

/** How long an out-of-order event waits for the one before it (a concurrent commit publishing late) before reading it. */
const GAP_WAIT_MS = 50;
/** A safety net for a missed notification (LISTEN reconnecting): with viewers and no news, look once this often. */
const IDLE_RECHECK_MS = 2000;

/**
 * One run's live events in this process, in seq order, each once, to every viewer from memory. Events stored
 * here arrive whole (offer); events stored by another process arrive as a seq (hear) and are read once for
 * all viewers. A viewer's own backfill and resume read the database; the tail never does, per viewer.
 */
export class RunFeed {
  private readonly listeners = new Set<Listener>();
  private readonly pending = new Map<number, StoredEvent>();
  /** The highest seq delivered; undefined until the first event or viewer tells where the run is. */
  private known: number | undefined;
  private wanted = 0;
  private fetching = false;
  private heardSinceCheck = false;
  private gapTimer: NodeJS.Timeout | undefined;
  private readonly recheck: NodeJS.Timeout;

  constructor(private readonly read: FeedReader) {
    this.recheck = setInterval(() => this.onIdle(), IDLE_RECHECK_MS);
    this.recheck.unref();
  }

  get size(): number {
    return this.listeners.size;
  }

  add(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A viewer's backfill reached `seq`: the feed can start from there if it knew nothing yet. */
  seen(seq: number): void {
    this.known ??= seq;
  }

  /** A committed event from this process. */
  offer(event: StoredEvent): void {
    this.heardSinceCheck = true;
    if (this.known !== undefined && event.seq <= this.known) return;
    if (this.known === undefined || event.seq === this.known + 1) {
      this.deliver(event);
      for (let next = this.pending.get(this.known! + 1); next; next = this.pending.get(this.known! + 1)) {
        this.pending.delete(next.seq);
        this.deliver(next);
      }
      if (this.pending.size === 0) clearTimeout(this.gapTimer);
      return;
    }
    this.pending.set(event.seq, event);
    this.wanted = Math.max(this.wanted, event.seq);
    this.gapTimer ??= setTimeout(() => {
      this.gapTimer = undefined;
      if (this.pending.size) void this.fetch();
    }, GAP_WAIT_MS);
  }

  /** Another process stored event `seq`: read it (and anything before it this feed lacks) once. */
  hear(seq: number): void {
    this.heardSinceCheck = true;
    if (this.known !== undefined && seq <= this.known) return;
    this.known ??= seq - 1;
    this.wanted = Math.max(this.wanted, seq);
    void this.fetch();
  }

  close(): void {
    clearInterval(this.recheck);
    clearTimeout(this.gapTimer);
    this.listeners.clear();
  }

  private deliver(event: StoredEvent): void {
    this.known = event.seq;
    for (const listener of this.listeners) listener(event);
  }

  private onIdle(): void {
    if (!this.heardSinceCheck && this.known !== undefined && this.listeners.size) {
      this.wanted = Math.max(this.wanted, this.known + 1);
      void this.fetch();
    }
    this.heardSinceCheck = false;
  }

  private async fetch(): Promise<void> {
    if (this.fetching) return;
    this.fetching = true;
    try {
      while (this.known !== undefined && this.known < this.wanted && this.listeners.size) {
        const page = await this.read(this.known);
        if (page.length === 0) break;
        for (const event of page) this.offer(event);
      }
    } catch (error) {
      console.error("[run-feed] could not read run events; the next notification or recheck tries again:", (error as Error).message);
    } finally {
      this.fetching = false;
    }
  }
}
