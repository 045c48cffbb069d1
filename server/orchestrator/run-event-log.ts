import type { EventSink } from "@/server/orchestrator/ports";
import type { PayloadOf, RunEventBody, RunEventType } from "@/server/runs/events/contract";

export type EmittedEvent = RunEventBody & { seq: number };

/** How long tokens wait to be sent together; a UI at 20 updates per second looks live. */
export const TOKEN_FLUSH_MS = 50;

/** Events queued but not yet stored beyond which emit waits for the store to catch up (a slow database slows the run, never fills memory). */
export const MAX_UNSTORED_EVENTS = 64;

/**
 * The run's ordered event writer: appends one at a time (so seq order is emission order), batches model
 * tokens per (step, role) and flushes them before any other event so the log never reorders them.
 *
 * emit() queues and returns: the run goes on while its events are stored behind it (issue #17: a one-step run
 * emits about thirty events, and waiting for each append held it up by their sum). A storage failure is thrown
 * by the next emit and by drain(), which every way out of a run awaits before its outcome is reported, so
 * nothing is reported done that the record does not hold.
 */
export class RunEventLog {
  private chain: Promise<unknown> = Promise.resolve();
  private failure: unknown;
  private unstored = 0;
  private readonly tokens = new Map<string, { stepId: string | null; role: string; text: string }>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly runId: string,
    private readonly sink: EventSink,
    private readonly onEvent?: (event: EmittedEvent) => void,
  ) {}

  /** Queues the event; resolves at once unless too many are unstored, rejects once an earlier append failed. */
  emit<T extends RunEventType>(type: T, payload: PayloadOf<T>): Promise<void> {
    if (this.failure !== undefined) return handled(Promise.reject(this.failure));
    this.flushTokens();
    const stored = this.enqueue({ type, payload } as RunEventBody);
    return this.unstored > MAX_UNSTORED_EVENTS ? handled(stored.then(() => undefined)) : Promise.resolve();
  }

  token(stepId: string | null, role: string, text: string): void {
    const key = `${stepId ?? ""}|${role}`;
    const buffered = this.tokens.get(key);
    if (buffered) buffered.text += text;
    else this.tokens.set(key, { stepId, role, text });
    this.timer ??= setTimeout(() => this.flushTokens(), TOKEN_FLUSH_MS);
  }

  flushTokens(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    for (const { stepId, role, text } of this.tokens.values()) void this.enqueue({ type: "llm.tokens", payload: { stepId, role, text } });
    this.tokens.clear();
  }

  /** Resolves when everything emitted so far is stored; rejects with the first storage failure. */
  async drain(): Promise<void> {
    this.flushTokens();
    await this.chain;
    if (this.failure !== undefined) throw this.failure;
  }

  private enqueue(body: RunEventBody): Promise<number> {
    this.unstored += 1;
    const next = this.chain.then(async () => {
      try {
        if (this.failure !== undefined) throw this.failure;
        const { seq } = await this.sink.append({ runId: this.runId, ...body });
        this.onEvent?.({ seq, ...body });
        return seq;
      } catch (error) {
        this.failure ??= error;
        throw error;
      } finally {
        this.unstored -= 1;
      }
    });
    // The chain itself never rejects, so one failed append does not leave later emits unhandled.
    this.chain = next.catch(() => undefined);
    return next;
  }
}

/** The promise itself, marked handled: a caller that emits with `void` (tokens, usage) must not crash the process on a storage failure, which drain() reports. */
function handled<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}
