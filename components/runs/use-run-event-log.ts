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
export function useRunEventLog(options: { onFinished?: () => void } = {}) {
  const [state, setState] = useState<RunEventState>(initialRunEventState);
  const [tokens] = useState(() => new TokenStore());
  const queue = useRef<RunEvent[]>([]);
  const frame = useRef<number | null>(null);
  const folded = useRef<RunEventState>(initialRunEventState);
  const received = useRef(0);
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
      // A retried model stream: its partial text goes, so the answer shows only once (issue 18).
      if (event.type === "llm.tokens" && fresh) tokens.append(event.payload.stepId, event.payload.role, event.payload.text);
      if (event.type === "llm.discarded" && fresh) tokens.discard(event.payload.stepId, event.payload.role, event.payload.discardedChars);
      queue.current.push(event);
      // Background tabs get no animation frames; a timer keeps the fold going there.
      frame.current ??= typeof document !== "undefined" && document.hidden ? (setTimeout(flush, 250) as unknown as number) : requestAnimationFrame(flush);
    },
    [flush, tokens],
  );

  useEffect(() => () => tokens.dispose(), [tokens]);
  const panes = useSyncExternalStore(tokens.subscribePanes, tokens.getPanes, tokens.getPanes);

  // The subscription input: null at first (the whole log), then the last seq seen when a failed stream is
  // opened again. It changes only on such a retry, so it never restarts a healthy stream.
  const [resumeFrom, setResumeFrom] = useState<string | null>(null);
  const lastSeen = useCallback(() => (received.current > 0 ? String(received.current) : null), []);
  return { state, tokens, panes, onData, resumeFrom, setResumeFrom, lastSeen };
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
