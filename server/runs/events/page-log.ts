import { EVENT_SCHEMA_VERSION, type RunEvent, type StoredEvent } from "./contract";
import { MAX_OUTPUT_CHARS } from "./fold-run-view";
import { readRunEvent } from "./read-run-event";
import { appendTokenText, discardTokenText, paneKey } from "./token-text";

/**
 * A stored log made light for a page's first render (issue #17: a run that streamed 800 KB of model text and
 * printed 700 KB of test output put all of it into its page's HTML, which the page then folded down to 40 KB).
 * Every event stays, with its seq, so the page's fold counts no gap and its subscription resumes after the last;
 * only text the page's fold would drop anyway is cut:
 * - each token pane's text is carried whole by the pane's first llm.tokens event (the tail the page keeps, after
 *   every discard), its later tokens and discards made empty;
 * - live output (sandbox.output) that a later command record or the run's end replaced is made empty;
 * - a command record's stdout and stderr keep the tail the page shows.
 * So the page's fold (foldRunView and the TokenStore) of the result equals its fold of the input, and what a later
 * event adds to it (on the page's subscription) lands on the same text. Not for readers of the raw log.
 */
export function compactPageLog(stored: readonly StoredEvent[]): StoredEvent[] {
  const events = stored.map(readRunEvent);
  const out: StoredEvent[] = [...stored];
  const rewrite = (index: number, payload: Record<string, unknown>) => {
    const event = events[index]!;
    out[index] = { seq: event.seq, type: event.type, payload, createdAt: event.createdAt, version: EVENT_SCHEMA_VERSION };
  };

  // Token panes: the text each ends with, carried by its first event.
  const panes = new Map<string, { first: number; text: string }>();
  events.forEach((event, index) => {
    if (event.type === "llm.tokens") {
      const key = paneKey(event.payload.stepId, event.payload.role);
      const pane = panes.get(key);
      if (pane) {
        pane.text = appendTokenText(pane.text, event.payload.text);
        if (event.payload.text) rewrite(index, { ...event.payload, text: "" });
      } else panes.set(key, { first: index, text: appendTokenText("", event.payload.text) });
    } else if (event.type === "llm.discarded") {
      const pane = panes.get(paneKey(event.payload.stepId, event.payload.role));
      // A discard before the pane's first text changes nothing, kept or not.
      if (pane) {
        pane.text = discardTokenText(pane.text, event.payload.discardedChars);
        if (event.payload.discardedChars) rewrite(index, { ...event.payload, discardedChars: 0 });
      }
    }
  });
  for (const { first, text } of panes.values()) {
    const event = events[first] as Extract<RunEvent, { type: "llm.tokens" }>;
    if (event.payload.text !== text) rewrite(first, { ...event.payload, text });
  }

  // Output: from the end back, live output before a command record or the run's end is replaced by it.
  let replaced = false;
  for (let index = events.length - 1; index >= 0; index--) {
    const event = events[index]!;
    if (event.type === "sandbox.command") {
      replaced = true;
      const { stdout, stderr } = event.payload;
      if (stdout.length > MAX_OUTPUT_CHARS || stderr.length > MAX_OUTPUT_CHARS) {
        rewrite(index, { ...event.payload, stdout: stdout.slice(-MAX_OUTPUT_CHARS), stderr: stderr.slice(-MAX_OUTPUT_CHARS) });
      }
    } else if (event.type === "run.finished") replaced = true;
    else if (event.type === "sandbox.output" && replaced && (event.payload.stdout || event.payload.stderr || event.payload.skippedBytes)) {
      rewrite(index, { ...event.payload, stdout: "", stderr: "", skippedBytes: 0 });
    }
  }
  return out;
}
