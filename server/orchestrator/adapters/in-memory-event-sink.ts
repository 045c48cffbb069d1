import type { EventSink, RunEventInput } from "@/server/orchestrator/ports";

/** Kept as stored JSON reads (type and payload untyped), like rows of the RunEvent table. */
export interface StoredRunEvent {
  runId: string;
  type: string;
  payload: Record<string, unknown>;
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
    this.events.push({ runId: event.runId, type: event.type, payload: event.payload, seq, at: Date.now() });
    return { seq };
  }

  ofRun(runId: string): StoredRunEvent[] {
    return this.events.filter((e) => e.runId === runId);
  }
}
