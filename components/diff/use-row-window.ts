"use client";

import { useEffect, useState, type RefObject } from "react";

/** Which rows of a long list are on screen (plus overscan), and how tall one row measured. */
export type RowWindow = { start: number; end: number; rowHeight: number };

/** Rows rendered before the first measure (and on the server): about one screen. */
const INITIAL_ROWS = 40;

/**
 * Windowing by row for a list that scrolls with the page (or any ancestor): only the rows inside the viewport,
 * plus `overscan` on each side, are rendered; the caller pads above and below with `start` and `count - end`
 * rows' height. The row height is measured from a rendered `[data-row]` element (so zoom and font settings
 * count) and `estimate` is used until one exists. Scrolls of any ancestor are caught in the capture phase.
 */
export function useRowWindow(ref: RefObject<HTMLElement | null>, count: number, { estimate = 20, overscan = 30 }: { estimate?: number; overscan?: number } = {}): RowWindow {
  const [range, setRange] = useState<RowWindow>(() => ({ start: 0, end: Math.min(count, INITIAL_ROWS), rowHeight: estimate }));
  useEffect(() => {
    const element = ref.current;
    if (!element) return;
    let frame: number | null = null;
    let rowHeight = estimate;
    const measure = () => {
      frame = null;
      const row = element.querySelector<HTMLElement>("[data-row]");
      const measured = row?.getBoundingClientRect().height ?? 0;
      if (measured > 0) rowHeight = measured;
      const top = element.getBoundingClientRect().top;
      const viewport = window.innerHeight || document.documentElement.clientHeight;
      const start = clamp(Math.floor(-top / rowHeight) - overscan, 0, count);
      const end = clamp(Math.ceil((viewport - top) / rowHeight) + overscan, start, count);
      setRange((prev) => (prev.start === start && prev.end === end && prev.rowHeight === rowHeight ? prev : { start, end, rowHeight }));
    };
    const schedule = () => {
      if (frame === null) frame = requestAnimationFrame(measure);
    };
    schedule();
    window.addEventListener("scroll", schedule, { capture: true, passive: true });
    window.addEventListener("resize", schedule);
    return () => {
      window.removeEventListener("scroll", schedule, { capture: true });
      window.removeEventListener("resize", schedule);
      if (frame !== null) cancelAnimationFrame(frame);
    };
  }, [ref, count, estimate, overscan]);
  // A count that shrank under a stale window (new rows) never indexes past the end.
  return range.end > count ? { ...range, start: Math.min(range.start, count), end: count } : range;
}

function clamp(value: number, low: number, high: number): number {
  return Math.max(low, Math.min(high, value));
}
