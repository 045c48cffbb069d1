import type { EventSink } from "@/server/orchestrator/ports";
import type { PayloadOf, RunEventBody, RunEventType } from "@/server/runs/events/contract";

export type EmittedEvent = RunEventBody & { seq: number };

/** How long tokens wait to be sent together; a UI at 20 updates per second looks live. */
export const TOKEN_FLUSH_MS = 50;

/**
 * The run's ordered event writer: appends one at a time (so seq order is emission order), batches model
 * tokens per (step, role) and flushes them before any other event so the log never reorders them.
 */
export class RunEventLog {
  private chain: Promise<unknown> = Promise.resolve();
  private failure: unknown;
  private readonly tokens = new Map<string, { stepId: string | null; role: string; text: string }>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly runId: string,
    private readonly sink: EventSink,
    private readonly onEvent?: (event: EmittedEvent) => void,
  ) {}

  emit<T extends RunEventType>(type: T, payload: PayloadOf<T>): Promise<number> {
    this.flushTokens();
    return this.enqueue({ type, payload } as RunEventBody);
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
    const next = this.chain.then(async () => {
      if (this.failure !== undefined) throw this.failure;
      try {
        const { seq } = await this.sink.append({ runId: this.runId, ...body });
        this.onEvent?.({ seq, ...body });
        return seq;
      } catch (error) {
        this.failure = error;
        throw error;
      }
    });
    // The chain itself never rejects, so one failed append does not leave later emits unhandled.
    this.chain = next.catch(() => undefined);
    return next;
  }
}
