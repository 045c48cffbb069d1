import { z } from "zod";
import { EVENT_SCHEMA_VERSION, isRunEventType, RUN_EVENT_PAYLOADS, type RunEvent, type RunEventBody, type StoredEvent } from "./contract";

type RawPayload = Record<string, unknown>;

/**
 * Upcasters: each turns a payload of version N into version N + 1 for the types that changed, so stored
 * events of any age read as the current contract (old runs keep rendering).
 */
const UPCASTS: Record<number, (type: string, payload: RawPayload) => RawPayload> = {
  // v1 -> v2: step.running's `run` was renamed `sandboxRun`, apart from debug.started's `attempt` (a debug round).
  1: (type, payload) => {
    if (type !== "step.running" || !("run" in payload)) return payload;
    const { run, ...rest } = payload;
    return { ...rest, sandboxRun: run };
  },
};

export function upcastPayload(type: string, payload: RawPayload, version: number): RawPayload {
  let current = payload;
  for (let v = version; v < EVENT_SCHEMA_VERSION; v++) current = UPCASTS[v]?.(type, current) ?? current;
  return current;
}

/** Validates one event body against the contract; the error is written for a developer. */
export function parseRunEventBody(type: string, payload: unknown): { ok: true; body: RunEventBody } | { ok: false; error: string } {
  if (!isRunEventType(type)) return { ok: false, error: `unknown event type "${type}"` };
  const parsed = RUN_EVENT_PAYLOADS[type].safeParse(payload ?? {});
  if (!parsed.success) return { ok: false, error: `${type}: ${z.prettifyError(parsed.error)}` };
  return { ok: true, body: { type, payload: parsed.data } as RunEventBody };
}

/** A stored (or streamed) event as the typed contract: upcast from its version, then parsed. */
export function readRunEvent(stored: StoredEvent): RunEvent {
  const createdAt = stored.createdAt instanceof Date ? stored.createdAt : new Date(stored.createdAt);
  const payload = upcastPayload(stored.type, stored.payload ?? {}, stored.version ?? EVENT_SCHEMA_VERSION);
  const parsed = parseRunEventBody(stored.type, payload);
  if (!parsed.ok) return { seq: stored.seq, createdAt, type: "unreadable", payload: { type: stored.type, error: parsed.error } };
  return { seq: stored.seq, createdAt, ...parsed.body };
}
