/**
 * Postgres refuses NUL in text and json (`\u0000`) and lone UTF-16 surrogates, and one such character in a
 * model's answer, a program's output or a file name would otherwise lose the whole event (and end the run).
 * They are written as the six visible characters `\u0000` / `\udXXX`, and the event says which fields were
 * changed, so the record stays complete and a reader can tell an escape from text that looked like one.
 */
// NUL, a high surrogate not followed by a low one, or a low surrogate not preceded by a high one.
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const UNSTORABLE_TEST = new RegExp(UNSTORABLE.source);

/** The payload field that lists escaped fields, as dotted paths ("stdout", "verification.commands.0.command"). */
export const ESCAPED_FIELD = "escaped";

export function hasUnstorableText(text: string): boolean {
  return UNSTORABLE_TEST.test(text);
}

export function escapeUnstorable(text: string): string {
  return text.replace(UNSTORABLE, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

function walk(value: unknown, path: string, escaped: string[]): unknown {
  if (typeof value === "string") {
    if (!hasUnstorableText(value)) return value;
    escaped.push(path);
    return escapeUnstorable(value);
  }
  if (Array.isArray(value)) return value.map((item, index) => walk(item, path ? `${path}.${index}` : String(index), escaped));
  if (typeof value === "object" && value !== null && !(value instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      const safeKey = hasUnstorableText(key) ? escapeUnstorable(key) : key;
      if (safeKey !== key) escaped.push(path ? `${path}.${safeKey}` : safeKey);
      out[safeKey] = walk(item, path ? `${path}.${safeKey}` : safeKey, escaped);
    }
    return out;
  }
  return value;
}

/** The payload with every unstorable character escaped and the changed fields listed; unchanged when clean. */
export function storablePayload(payload: Record<string, unknown>): Record<string, unknown> {
  const escaped: string[] = [];
  const out = walk(payload, "", escaped) as Record<string, unknown>;
  if (escaped.length === 0) return payload;
  return { ...out, [ESCAPED_FIELD]: escaped };
}
