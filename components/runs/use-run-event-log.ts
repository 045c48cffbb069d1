"use client";

import { useCallback, useEffect, useRef, useState, useSyncExternalStore } from "react";
import type { RunEvent, StoredEvent } from "@/server/runs/events/contract";
import { foldRunView, initialRunEventState, type RunEventState } from "@/server/runs/events/fold-run-view";
import { readRunEvent } from "@/server/runs/events/read-run-event";
import { TokenStore } from "./token-store";

/**
 * Receives a run's events (from run.events or share.events) and folds them into state once per animation
 * frame: a burst of hundreds of events, or a backfill of thousands, is one React render. Model tokens go
 * to a TokenStore and never render React at all.
 */
export function useRunEventLog(options: { onFinished?: () => void; initial?: StoredEvent[]; recordActive?: boolean } = {}) {
  // The log's start as the page rendered it (run.log / share.log): folded before the first render, on the server
  // and in the browser alike, so a finished run is complete in the HTML; its end calls no onFinished (nothing changed).
  const [start] = useState(() => foldInitial(options.initial ?? []));
  const [state, setState] = useState<RunEventState>(start.state);
  const [tokens] = useState(() => start.tokens);
  const queue = useRef<RunEvent[]>([]);
  const frame = useRef<number | null>(null);
  const folded = useRef<RunEventState>(start.state);
  const received = useRef(start.lastSeq);
  const onFinished = useRef(options.onFinished);
  onFinished.current = options.onFinished;

  const flush = useCallback(() => {
    frame.current = null;
    const events = queue.current;
    queue.current = [];
    let next = folded.current;
    for (const event of events) {
      const wasFinished = next.finished !== null;
      next = foldRunView(next, event);
      if (!wasFinished && next.finished) queueMicrotask(() => onFinished.current?.());
    }
    folded.current = next;
    setState(next);
  }, []);

  const onData = useCallback(
    (envelope: { id: string; data: StoredEvent }) => {
      const event = readRunEvent(envelope.data);
      const fresh = event.seq > received.current;
      if (fresh) received.current = event.seq;
      if (fresh) routeTokens(tokens, event);
      queue.current.push(event);
      // Background tabs get no animation frames; a timer keeps the fold going there.
      frame.current ??= typeof document !== "undefined" && document.hidden ? (setTimeout(flush, 250) as unknown as number) : requestAnimationFrame(flush);
    },
    [flush, tokens],
  );

  useEffect(() => () => tokens.dispose(), [tokens]);
  // The run ended between the page's read of its record and of its log: the record is reloaded once, as at a live end.
  const endedUnseen = useRef(start.state.finished !== null && options.recordActive === true);
  useEffect(() => {
    if (!endedUnseen.current) return;
    endedUnseen.current = false;
    onFinished.current?.();
  }, []);
  const panes = useSyncExternalStore(tokens.subscribePanes, tokens.getPanes, tokens.getPanes);

  // The subscription input: null at first (the whole log), then the last seq seen when a failed stream is
  // opened again. It changes only on such a retry, so it never restarts a healthy stream.
  const [resumeFrom, setResumeFrom] = useState<string | null>(start.lastSeq > 0 ? String(start.lastSeq) : null);
  const lastSeen = useCallback(() => (received.current > 0 ? String(received.current) : null), []);
  return { state, tokens, panes, onData, resumeFrom, setResumeFrom, lastSeen };
}

/** Model text goes to the TokenStore, never through React; a retried stream's partial text goes (issue 18). */
export function routeTokens(tokens: TokenStore, event: RunEvent): void {
  if (event.type === "llm.tokens") tokens.append(event.payload.stepId, event.payload.role, event.payload.text);
  if (event.type === "llm.discarded") tokens.discard(event.payload.stepId, event.payload.role, event.payload.discardedChars);
}

function foldInitial(stored: StoredEvent[]): { state: RunEventState; tokens: TokenStore; lastSeq: number } {
  const tokens = new TokenStore();
  let state = initialRunEventState;
  let lastSeq = 0;
  for (const item of stored) {
    const event = readRunEvent(item);
    if (event.seq <= lastSeq) continue;
    lastSeq = event.seq;
    routeTokens(tokens, event);
    state = foldRunView(state, event);
  }
  return { state, tokens, lastSeq };
}

const TERMINAL_CODES = new Set(["NOT_FOUND", "FORBIDDEN", "BAD_REQUEST"]);

/**
 * Re-opens a stream that failed for a passing reason (a restart, a database hiccup), backing off, from
 * the last event seen. The link already resumes dropped connections by itself; this covers error answers,
 * which end a subscription. NOT_FOUND and FORBIDDEN are final (e.g. a revoked share link).
 */
export function useStreamRecovery(
  stream: { status: string; error: { data?: { code?: string } | null } | null; reset: () => void },
  log: { resumeFrom: string | null; setResumeFrom: (value: string | null) => void; lastSeen: () => string | null },
  finished: boolean,
): { retrying: boolean; terminal: boolean } {
  const terminal = stream.status === "error" && TERMINAL_CODES.has(stream.error?.data?.code ?? "");
  const retrying = stream.status === "error" && !terminal && !finished;
  const { reset } = stream;
  const { resumeFrom, setResumeFrom, lastSeen } = log;
  const attempts = useRef(0);
  useEffect(() => {
    if (stream.status === "pending") attempts.current = 0;
  }, [stream.status]);
  useEffect(() => {
    if (!retrying) return;
    // Backs off to 30 s, so an expired session does not hammer the server.
    const delay = Math.min(30_000, 1000 * 2 ** attempts.current++);
    const timer = setTimeout(() => {
      const from = lastSeen();
      if (from !== resumeFrom) setResumeFrom(from);
      else reset();
    }, delay);
    return () => clearTimeout(timer);
  }, [retrying, reset, resumeFrom, setResumeFrom, lastSeen]);
  return { retrying, terminal };
}
