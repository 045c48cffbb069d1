"use client";

import { useCallback, useEffect, useRef, useState, useSyncExternalStore } from "react";
import { applyRunEvent, initialRunEventState, type RunEvent, type RunEventState } from "./run-event-state";
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
      next = applyRunEvent(next, event);
      if (!wasFinished && next.finished) queueMicrotask(() => onFinished.current?.());
    }
    folded.current = next;
    setState(next);
  }, []);

  const onData = useCallback(
    (envelope: { id: string; data: RunEvent }) => {
      const event = envelope.data;
      const fresh = event.seq > received.current;
      if (fresh) received.current = event.seq;
      if (event.type === "llm.tokens" && fresh) {
        const p = event.payload as { stepId?: string | null; role?: string; text?: string };
        tokens.append(p.stepId ?? null, p.role ?? "agent", p.text ?? "");
      }
      queue.current.push(event);
      // Background tabs get no animation frames; a timer keeps the fold going there.
      frame.current ??= typeof document !== "undefined" && document.hidden ? (setTimeout(flush, 250) as unknown as number) : requestAnimationFrame(flush);
    },
    [flush, tokens],
  );

  useEffect(() => () => tokens.dispose(), [tokens]);
  const panes = useSyncExternalStore(tokens.subscribePanes, tokens.getPanes, tokens.getPanes);
  return { state, tokens, panes, onData };
}
