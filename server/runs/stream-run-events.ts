import { viewerDbFor, type Db } from "@/server/db/client";
import { runBus } from "./run-bus";
import { listRunEvents, type StoredEvent } from "./run-events";

const PAGE = 500;
/** Live events held for one viewer that is not reading; past this it is cut and resumes from its last seq. */
export const VIEWER_BUFFER = 2000;

/**
 * The run's events after `afterSeq`, in order, then live ones as they are stored, ending after run.finished.
 * Subscribes before reading (so nothing written between backfill and tail is missed); the backfill reads the
 * database (through the viewers' pool), the tail comes from memory (the run's feed in this process). A viewer
 * that stops reading holds at most `maxBuffered` events: then it is cut from the feed, and when it reads again
 * it resumes from its last seq through the database, so it loses and repeats nothing and slows no one.
 */
export async function* streamRunEvents(options: {
  db: Db;
  runId: string;
  afterSeq: number;
  signal?: AbortSignal;
  maxBuffered?: number;
}): AsyncGenerator<StoredEvent> {
  const { runId, signal } = options;
  const reader = viewerDbFor(options.db);
  const maxBuffered = options.maxBuffered ?? VIEWER_BUFFER;
  const read = (afterSeq: number) => listRunEvents({ db: reader, runId, afterSeq, limit: PAGE });
  let lastSeq = options.afterSeq;
  while (!signal?.aborted) {
    let queue: StoredEvent[] = [];
    let head = 0;
    let cut = false;
    let wake: (() => void) | undefined;
    const { feed, unsubscribe } = runBus().subscribe(
      runId,
      (event) => {
        if (queue.length - head >= maxBuffered) {
          cut = true;
          queue = [];
          head = 0;
          unsubscribe();
        } else queue.push(event);
        wake?.();
      },
      read,
    );
    const onAbort = () => wake?.();
    signal?.addEventListener("abort", onAbort);
    try {
      let page: StoredEvent[];
      do {
        page = await read(lastSeq);
        for (const event of page) {
          lastSeq = event.seq;
          yield event;
          if (event.type === "run.finished") return;
        }
      } while (page.length === PAGE && !signal?.aborted);
      feed.seen(lastSeq);
      while (!signal?.aborted && !cut) {
        if (head === queue.length) {
          await new Promise<void>((resolve) => (wake = resolve));
          wake = undefined;
          continue;
        }
        const event = queue[head++]!;
        if (head > 1024) {
          queue = queue.slice(head);
          head = 0;
        }
        if (event.seq <= lastSeq) continue;
        // A gap means this viewer missed something (it joined as the feed caught up): resume from the record.
        if (event.seq > lastSeq + 1) break;
        lastSeq = event.seq;
        yield event;
        if (event.type === "run.finished") return;
      }
    } finally {
      unsubscribe();
      signal?.removeEventListener("abort", onAbort);
    }
  }
}
