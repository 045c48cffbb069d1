import { EventEmitter } from "node:events";
import pg from "pg";
import { databaseUrl } from "@/server/db/client";
import { isEmbeddedUrl, poolConfigFromUrl } from "@/server/db/pg-config";

export const RUN_EVENTS_CHANNEL = "autocode_run_events";
// A plain string, not a Symbol: the custom server and Next's bundle load this module separately but share
// the bus through globalThis, so the key must be equal across both copies. Run ids never equal "*".
const ANY_RUN = "*";

/**
 * Tells listeners that a run has new events; the events themselves are always read from the database,
 * so a listener that misses a ping loses nothing. Events written in this process ping directly; events
 * written by other processes (workers) arrive through Postgres NOTIFY on RUN_EVENTS_CHANNEL.
 */
class RunBus {
  private readonly emitter = new EventEmitter();
  private listening: Promise<void> | undefined;
  private client: pg.Client | undefined;

  constructor() {
    this.emitter.setMaxListeners(0);
  }

  publish(runId: string, seq: number, type: string): void {
    this.emitter.emit(runId, seq, type);
    this.emitter.emit(ANY_RUN, runId, seq, type);
  }

  /** Calls listener for every event of every run (workers watch for run.queued and cancellations). */
  subscribeAll(listener: (runId: string, seq: number, type: string) => void): () => void {
    void this.listen();
    this.emitter.on(ANY_RUN, listener);
    return () => this.emitter.off(ANY_RUN, listener);
  }

  /** Calls listener(seq, type) whenever run runId gets an event; returns the unsubscribe function. */
  subscribe(runId: string, listener: (seq: number, type: string) => void): () => void {
    void this.listen();
    this.emitter.on(runId, listener);
    return () => this.emitter.off(runId, listener);
  }

  private listen(): Promise<void> {
    this.listening ??= (async () => {
      try {
        // The embedded database is one session: NOTIFY never crosses its connections, and a second connection's
        // messages can interleave with the app's. Everything runs in this one process there, so the in-process bus is enough.
        if (isEmbeddedUrl(databaseUrl())) return;
        const client = new pg.Client(poolConfigFromUrl(databaseUrl()));
        client.on("notification", (message) => {
          if (!message.payload) return;
          const [runId, seq, type] = message.payload.split(":");
          if (runId && seq) this.publish(runId, Number(seq), type ?? "");
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
