import type { Db } from "@/server/db/client";
import { runBus } from "./run-bus";
import { listRunEvents, type StoredEvent } from "./run-events";

const PAGE = 500;
/** A safety net for a missed notification (e.g. LISTEN reconnecting): re-read at least this often. */
const IDLE_RECHECK_MS = 2000;

/**
 * The run's events after `afterSeq`, in order, then live ones as they are stored, ending after run.finished.
 * Subscribes before reading (so nothing written between backfill and tail is missed) and always reads from
 * the database by seq (so nothing is delivered twice or out of order, whichever process wrote it).
 */
export async function* streamRunEvents(options: { db: Db; runId: string; afterSeq: number; signal?: AbortSignal }): AsyncGenerator<StoredEvent> {
  let lastSeq = options.afterSeq;
  let wake: (() => void) | undefined;
  let pinged = true;
  const unsubscribe = runBus().subscribe(options.runId, (seq) => {
    if (seq <= lastSeq) return;
    pinged = true;
    wake?.();
  });
  const onAbort = () => wake?.();
  options.signal?.addEventListener("abort", onAbort);
  try {
    while (!options.signal?.aborted) {
      if (pinged) {
        pinged = false;
        let page: StoredEvent[];
        do {
          page = await listRunEvents({ db: options.db, runId: options.runId, afterSeq: lastSeq, limit: PAGE });
          for (const event of page) {
            lastSeq = event.seq;
            yield event;
            if (event.type === "run.finished") return;
          }
        } while (page.length === PAGE && !options.signal?.aborted);
        continue;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          pinged = true;
          resolve();
        }, IDLE_RECHECK_MS);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
    }
  } finally {
    unsubscribe();
    options.signal?.removeEventListener("abort", onAbort);
  }
}
