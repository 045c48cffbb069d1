import { EventEmitter } from "node:events";
import { randomUUID } from "node:crypto";
import pg from "pg";
import { databaseUrl } from "@/server/db/client";
import { isEmbeddedUrl, poolConfigFromUrl } from "@/server/db/pg-config";
import type { StoredEvent } from "./events/contract";
import { RunFeed, type FeedReader } from "./run-feed";

export const RUN_EVENTS_CHANNEL = "autocode_run_events";
// A plain string, not a Symbol: the custom server and Next's bundle load this module separately but share
// the bus through globalThis, so the key must be equal across both copies. Run ids never equal "*".
const ANY_RUN = "*";

/**
 * How many bytes of payload JSON a NOTIFY carries with the event (Postgres refuses a notification of 8,000 bytes
 * or more); a larger event is announced by its seq alone and read from the database once per process.
 */
export const NOTIFY_PAYLOAD_BYTES = 7_000;

/** A NOTIFY on RUN_EVENTS_CHANNEL: `runId:seq:type:origin`, then `:createdAtMs:version:payloadJson` when it carries the event. */
export interface RunNotification {
  runId: string;
  seq: number;
  type: string;
  origin: string;
  event: StoredEvent | null;
}

export function parseRunNotification(text: string): RunNotification | null {
  const fields: string[] = [];
  let at = 0;
  for (let field = 0; field < 6; field++) {
    const colon = text.indexOf(":", at);
    if (colon === -1) break;
    fields.push(text.slice(at, colon));
    at = colon + 1;
  }
  if (fields.length < 6) {
    // Announced by seq alone (a large event, or a writer from before events rode along).
    const [runId, seq, type, origin] = text.split(":");
    return runId && seq ? { runId, seq: Number(seq), type: type ?? "", origin: origin ?? "", event: null } : null;
  }
  const [runId, seq, type, origin, createdAt, version] = fields as [string, string, string, string, string, string];
  try {
    const payload = JSON.parse(text.slice(at)) as Record<string, unknown>;
    return { runId, seq: Number(seq), type, origin, event: { seq: Number(seq), type, payload, createdAt: new Date(Number(createdAt)), version: Number(version) } };
  } catch {
    return { runId, seq: Number(seq), type, origin, event: null };
  }
}

/** How long a NOTIFY this process sent itself waits for the in-process publish, which normally makes it moot. */
const OWN_NOTIFY_GRACE_MS = 250;

/**
 * Carries stored events to listeners in this process. Events written here are published whole; events
 * written by other processes (workers) arrive through Postgres NOTIFY on RUN_EVENTS_CHANNEL, whole when they
 * fit (RunNotification), else as a seq that each run's feed (run-feed.ts) reads once for all of its viewers.
 */
class RunBus {
  private readonly emitter = new EventEmitter();
  private readonly feeds = new Map<string, RunFeed>();
  private listening: Promise<void> | undefined;
  private client: pg.Client | undefined;
  /** Names this process in its NOTIFY payloads, so it can tell its own events from other processes'. */
  readonly origin = randomUUID().slice(0, 8);

  constructor() {
    this.emitter.setMaxListeners(0);
  }

  /** A committed event stored by this process. */
  publish(runId: string, event: StoredEvent): void {
    this.emitter.emit(ANY_RUN, runId, event.seq, event.type);
    this.feeds.get(runId)?.offer(event);
  }

  /** Calls listener for every event of every run (workers watch for run.queued and cancellations). */
  subscribeAll(listener: (runId: string, seq: number, type: string) => void): () => void {
    void this.listen();
    this.emitter.on(ANY_RUN, listener);
    return () => this.emitter.off(ANY_RUN, listener);
  }

  /**
   * Calls listener with every live event of run runId, in seq order, each once; `read` fetches events this
   * process did not write (once per process, whatever the number of listeners). Returns the unsubscribe.
   */
  subscribe(runId: string, listener: (event: StoredEvent) => void, read: FeedReader): { feed: RunFeed; unsubscribe: () => void } {
    void this.listen();
    let feed = this.feeds.get(runId);
    if (!feed) {
      feed = new RunFeed(read);
      this.feeds.set(runId, feed);
    }
    const remove = feed.add(listener);
    const owned = feed;
    return {
      feed,
      unsubscribe: () => {
        remove();
        if (owned.size === 0 && this.feeds.get(runId) === owned) {
          owned.close();
          this.feeds.delete(runId);
        }
      },
    };
  }

  /** How many viewers in this process follow run runId live (a viewer cut for not reading is not counted). */
  viewers(runId: string): number {
    return this.feeds.get(runId)?.size ?? 0;
  }

  private heard({ runId, seq, type, origin, event }: RunNotification): void {
    this.emitter.emit(ANY_RUN, runId, seq, type);
    // Another process's event: delivered as it came when the notification carries it (no read per event, issue #17).
    if (origin !== this.origin) return event ? this.feeds.get(runId)?.offer(event) : this.feeds.get(runId)?.hear(seq);
    // Our own event: the in-process publish normally delivered it already; this only covers a writer that stored without publishing.
    setTimeout(() => this.feeds.get(runId)?.hear(seq), OWN_NOTIFY_GRACE_MS).unref();
  }

  private listen(): Promise<void> {
    this.listening ??= (async () => {
      try {
        // The embedded database is one session: NOTIFY never crosses its connections, and a second connection's
        // messages can interleave with the app's. Everything runs in this one process there, so the in-process bus is enough.
        if (isEmbeddedUrl(databaseUrl())) return;
        const client = new pg.Client(poolConfigFromUrl(databaseUrl()));
        client.on("notification", (message) => {
          const notification = message.payload ? parseRunNotification(message.payload) : null;
          if (notification) this.heard(notification);
        });
        client.on("error", (error) => {
          console.error("[run-bus] LISTEN connection lost; reconnecting:", error.message);
          this.client = undefined;
          this.listening = undefined;
          setTimeout(() => void this.listen(), 1000).unref();
        });
        await client.connect();
        await client.query(`LISTEN ${RUN_EVENTS_CHANNEL}`);
        this.client = client;
      } catch (error) {
        // Same-process events still arrive; only events from other processes wait for the poll fallback.
        console.error("[run-bus] could not LISTEN for run events:", (error as Error).message);
      }
    })();
    return this.listening;
  }

  async close(): Promise<void> {
    for (const feed of this.feeds.values()) feed.close();
    this.feeds.clear();
    await this.client?.end().catch(() => undefined);
    this.client = undefined;
    this.listening = undefined;
  }
}

const globalForBus = globalThis as unknown as { autocodeRunBus?: RunBus };

/** One bus per process, shared by the custom server and the Next.js route modules through globalThis. */
export function runBus(): RunBus {
  globalForBus.autocodeRunBus ??= new RunBus();
  return globalForBus.autocodeRunBus;
}
