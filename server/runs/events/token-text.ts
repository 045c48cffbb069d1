/**
 * A token pane's text as the run page keeps it: streamed model text appended, the tail of MAX_VISIBLE_CHARS kept,
 * the end of a broken stream discarded. Shared by the page's TokenStore and the server's compaction of a page log
 * (page-log.ts), so both arrive at the same text.
 */

/** How much of each agent's stream stays on screen; older text scrolls out of the buffer. */
export const MAX_VISIBLE_CHARS = 12_000;

export function paneKey(stepId: string | null, role: string): string {
  return `${stepId ?? "run"}:${role}`;
}

export function appendTokenText(before: string, chunk: string): string {
  const joined = before + chunk;
  return joined.length > MAX_VISIBLE_CHARS ? joined.slice(-MAX_VISIBLE_CHARS) : joined;
}

/** Drops the last `chars` characters: the part of an answer whose stream broke and is retried. */
export function discardTokenText(before: string, chars: number): string {
  return chars <= 0 ? before : before.slice(0, Math.max(0, before.length - chars));
}
