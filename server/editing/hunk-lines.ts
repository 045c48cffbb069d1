import type { Hunk } from "./types";

/** A file's text as lines, remembering its line ending and whether it ends with a newline. */
export type TextLines = { lines: string[]; eol: "\n" | "\r\n"; finalNewline: boolean };

export function splitText(content: string): TextLines {
  if (content === "") return { lines: [], eol: "\n", finalNewline: false };
  const crlf = (content.match(/\r\n/g) ?? []).length;
  const lf = (content.match(/\n/g) ?? []).length;
  const eol = crlf > 0 && crlf * 2 >= lf ? "\r\n" : "\n";
  const finalNewline = content.endsWith("\n");
  const parts = content.split("\n");
  if (finalNewline) parts.pop();
  const lines = eol === "\r\n" ? parts.map((l) => (l.endsWith("\r") ? l.slice(0, -1) : l)) : parts;
  return { lines, eol, finalNewline };
}

export function joinText(text: TextLines): string {
  if (text.lines.length === 0) return "";
  return text.lines.join(text.eol) + (text.finalNewline ? text.eol : "");
}

export type Op = " " | "-" | "+";
export type Item = { op: Op; text: string };
export type ParsedHunk = { items: Item[]; old: string[]; oldNoEol: boolean; newNoEol: boolean };

function stripCr(text: string): string {
  return text.endsWith("\r") ? text.slice(0, -1) : text;
}

export function readHunk(hunk: Hunk): ParsedHunk {
  const items: Item[] = [];
  let oldNoEol = false;
  let newNoEol = false;
  for (const line of hunk.lines) {
    const op = line[0];
    if (op === "\\") {
      // "\ No newline at end of file" applies to the line just before it.
      const prev = items.at(-1);
      if (prev?.op === " " || prev?.op === "-") oldNoEol = true;
      if (prev?.op === " " || prev?.op === "+") newNoEol = true;
      continue;
    }
    if (op === " " || op === "-" || op === "+") items.push({ op, text: stripCr(line.slice(1)) });
  }
  return { items, old: items.filter((i) => i.op !== "+").map((i) => i.text), oldNoEol, newNoEol };
}

export function normalizeWhitespace(line: string): string {
  return line.trim().replace(/\s+/g, " ");
}

/** Every position where `block` occurs in `lines` as consecutive lines. */
export function findBlock(lines: readonly string[], block: readonly string[]): number[] {
  const found: number[] = [];
  if (block.length === 0) return found;
  const first = block[0]!;
  for (let p = 0; p + block.length <= lines.length; p++) {
    if (lines[p] !== first) continue;
    let all = true;
    for (let i = 1; i < block.length; i++) {
      if (lines[p + i] !== block[i]) {
        all = false;
        break;
      }
    }
    if (all) found.push(p);
  }
  return found;
}

/**
 * What a hunk's header says of its counts: how many lines its old and new sides are off from its body, when
 * both are off by the same number (context lines missing or extra, as when blank lines were dropped), null
 * when they disagree or are absent. A header whose counts disagree was not written from the file (models'
 * misstated headers rarely add up), so its line number says nothing either, even when it names a copy exactly.
 */
export function headerCountsOff(header: string, parsed: ParsedHunk): number | null {
  const m = /^@@ -\d+(?:,(\d+))? \+\d+(?:,(\d+))? @@/.exec(header);
  if (!m) return null;
  const statedOld = m[1] === undefined ? 1 : Number(m[1]);
  const statedNew = m[2] === undefined ? 1 : Number(m[2]);
  const off = statedOld - parsed.old.length;
  return off === statedNew - parsed.items.filter((i) => i.op !== "-").length ? off : null;
}

export type Choice = { pick: number } | { ambiguous: number[] } | { none: true };

/**
 * Picks among candidate positions. A single candidate, or one at the expected line, is taken; otherwise
 * the nearest wins only when it is clearly nearer than the next (more than twice as near, plus slack, and
 * at least 20 lines nearer), because two near-equal candidates are equal confidence and a wrong guess would
 * be a silent wrong apply. Models misstate line numbers by dozens of lines: copies of a block 14 lines apart
 * with the stated line 4 from one and 18 from the other do not say which one was meant.
 */
export function chooseCandidate(candidates: readonly number[], expected: number | null): Choice {
  if (candidates.length === 0) return { none: true };
  if (candidates.length === 1) return { pick: candidates[0]! };
  if (expected === null) return { ambiguous: [...candidates] };
  if (candidates.includes(expected)) return { pick: expected };
  const sorted = [...candidates].sort((a, b) => Math.abs(a - expected) - Math.abs(b - expected));
  const d1 = Math.abs(sorted[0]! - expected);
  const d2 = Math.abs(sorted[1]! - expected);
  if (d2 > 2 * d1 + 2 && d2 - d1 >= 20) return { pick: sorted[0]! };
  return { ambiguous: [...candidates] };
}

/** An old (context or '-') line of a hunk and the file line it was matched to. */
export type AlignedLine = { item: Item; fileLine: string };

function leadingWhitespace(line: string): string {
  return /^\s*/.exec(line)![0];
}

/**
 * When a hunk matched only after ignoring whitespace, the model's indentation may be off by a constant
 * prefix (a common slip in Python); shift its added lines by the same amount so the result stays valid.
 * Only when every non-blank old line, including at least one '-' line, is off by that same prefix: a
 * model that miscopied the lines it replaces wrote its new lines with the same view of the code.
 */
export function indentFixer(pairs: readonly AlignedLine[]): (line: string) => string {
  let delta: { add: string } | { strip: string } | undefined;
  let removedShifted = false;
  const same = (a: typeof delta, b: typeof delta) =>
    a !== undefined && b !== undefined && ("add" in a ? "add" in b && a.add === b.add : "strip" in b && a.strip === b.strip);
  for (const { item, fileLine } of pairs) {
    if (item.text.trim() === "" || fileLine.trim() === "") continue;
    const fi = leadingWhitespace(fileLine);
    const pi = leadingWhitespace(item.text);
    let lineDelta: typeof delta;
    if (fi.length > pi.length && fi.endsWith(pi)) lineDelta = { add: fi.slice(0, fi.length - pi.length) };
    else if (pi.length > fi.length && pi.endsWith(fi)) lineDelta = { strip: pi.slice(0, pi.length - fi.length) };
    else return (line) => line;
    if (delta !== undefined && !same(delta, lineDelta)) return (line) => line;
    delta = lineDelta;
    if (item.op === "-") removedShifted = true;
  }
  if (!delta || !removedShifted) return (line) => line;
  if ("add" in delta) {
    const prefix = delta.add;
    return (line) => (line.trim() === "" ? line : prefix + line);
  }
  const prefix = delta.strip;
  return (line) => (line.startsWith(prefix) ? line.slice(prefix.length) : line);
}

