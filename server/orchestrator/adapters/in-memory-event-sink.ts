import type { EventSink, RunEventInput } from "@/server/orchestrator/ports";

export interface StoredRunEvent extends RunEventInput {
  seq: number;
  at: number;
}

/** An EventSink kept in memory: for tests and for runs nobody persists. Seq is per run, from 1. */
export class InMemoryEventSink implements EventSink {
  readonly events: StoredRunEvent[] = [];
  private readonly seqs = new Map<string, number>();

  async append(event: RunEventInput): Promise<{ seq: number }> {
    const seq = (this.seqs.get(event.runId) ?? 0) + 1;
    this.seqs.set(event.runId, seq);
    this.events.push({ ...event, seq, at: Date.now() });
    return { seq };
  }

  ofRun(runId: string): StoredRunEvent[] {
    return this.events.filter((e) => e.runId === runId);
  }
}
