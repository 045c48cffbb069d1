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

type Op = " " | "-" | "+";
type Item = { op: Op; text: string };
type ParsedHunk = { items: Item[]; old: string[]; oldNoEol: boolean; newNoEol: boolean };

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

export type Choice = { pick: number } | { ambiguous: number[] } | { none: true };

/**
 * Picks among candidate positions. A single candidate, or one at the expected line, is taken; otherwise
 * the nearest wins only when it is clearly nearer than the next (more than twice as near, plus slack),
 * because two near-equal candidates are equal confidence and a wrong guess would be a silent wrong apply.
 */
export function chooseCandidate(candidates: readonly number[], expected: number | null): Choice {
  if (candidates.length === 0) return { none: true };
  if (candidates.length === 1) return { pick: candidates[0]! };
  if (expected === null) return { ambiguous: [...candidates] };
  if (candidates.includes(expected)) return { pick: expected };
  const sorted = [...candidates].sort((a, b) => Math.abs(a - expected) - Math.abs(b - expected));
  const d1 = Math.abs(sorted[0]! - expected);
  const d2 = Math.abs(sorted[1]! - expected);
  if (d2 > 2 * d1 + 2) return { pick: sorted[0]! };
  return { ambiguous: [...candidates] };
}

export type Placement = { hunkIndex: number; start: number; length: number; level: "exact" | "whitespace" };

export type HunkFailure = {
  hunkIndex: number;
  header: string;
  code: "not_found" | "ambiguous" | "overlap" | "no_context";
  /** What went wrong with this hunk, written for the model. */
  detail: string;
};

export type PatchOutcome =
  | { ok: true; content: string; placements: Placement[] }
  | { ok: false; failures: HunkFailure[] };

function leadingWhitespace(line: string): string {
  return /^\s*/.exec(line)![0];
}

/**
 * When a hunk matched only after ignoring whitespace, the model's indentation may be off by a constant
 * prefix (a common slip in Python); shift its added lines by the same amount so the result stays valid.
 * Only when every non-blank old line, including at least one '-' line, is off by that same prefix: a
 * model that miscopied the lines it replaces wrote its new lines with the same view of the code.
 */
function indentFixer(parsed: ParsedHunk, fileLines: readonly string[], start: number): (line: string) => string {
  let k = start;
  let delta: { add: string } | { strip: string } | undefined;
  let removedShifted = false;
  const same = (a: typeof delta, b: typeof delta) =>
    a !== undefined && b !== undefined && ("add" in a ? "add" in b && a.add === b.add : "strip" in b && a.strip === b.strip);
  for (const item of parsed.items) {
    if (item.op === "+") continue;
    const fileLine = fileLines[k++]!;
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

function preview(line: string): string {
  return line.length > 160 ? `${line.slice(0, 157)}...` : line;
}

/** The window of the file most like the hunk's old lines, for the "closest region" hint. */
export function closestRegion(fileNorm: readonly string[], oldNorm: readonly string[]): { start: number; score: number } | null {
  let best: { start: number; score: number } | null = null;
  const span = Math.min(oldNorm.length, fileNorm.length);
  for (let p = 0; p + span <= fileNorm.length; p++) {
    let score = 0;
    for (let i = 0; i < span; i++) if (oldNorm[i] !== "" && fileNorm[p + i] === oldNorm[i]) score++;
    if (score > 0 && (!best || score > best.score)) best = { start: p, score };
  }
  return best;
}

function describeNotFound(fileLines: readonly string[], fileNorm: readonly string[], parsed: ParsedHunk): string {
  const oldNorm = parsed.old.map(normalizeWhitespace);
  const present = new Set(fileNorm);
  const missing = parsed.old.filter((line, i) => oldNorm[i] !== "" && !present.has(oldNorm[i]!));
  const parts: string[] = [];
  if (missing.length > 0) {
    parts.push("These lines of the hunk (context or '-') do not exist anywhere in the file:");
    for (const line of missing.slice(0, 8)) parts.push(`    ${preview(line)}`);
    if (missing.length > 8) parts.push(`    ... and ${missing.length - 8} more`);
  } else {
    parts.push("Each context/'-' line exists somewhere in the file, but not as one consecutive block in this order.");
  }
  const region = closestRegion(fileNorm, oldNorm);
  if (region) {
    const end = Math.min(fileLines.length, region.start + Math.max(parsed.old.length, 1));
    parts.push(`The closest region of the file is lines ${region.start + 1}-${end}:`);
    for (let i = region.start; i < end && i < region.start + 15; i++) parts.push(`  ${String(i + 1).padStart(5)} | ${preview(fileLines[i]!)}`);
    const mismatches: string[] = [];
    for (let i = 0; i < parsed.old.length && region.start + i < fileLines.length; i++) {
      if (oldNorm[i] !== fileNorm[region.start + i]) {
        mismatches.push(`    line ${region.start + i + 1}: hunk expects ${JSON.stringify(preview(parsed.old[i]!))}, file has ${JSON.stringify(preview(fileLines[region.start + i]!))}`);
      }
    }
    if (mismatches.length > 0) parts.push("Differences there:", ...mismatches.slice(0, 6));
  }
  return parts.join("\n");
}

/**
 * Places every hunk against the ORIGINAL file (so hunks may come in any order), refuses on any doubt,
 * and applies them together. Exact context first (at the stated line, then anywhere), then a
 * whitespace-insensitive match; context lines keep the file's own text.
 */
export function applyHunks(content: string, hunks: readonly Hunk[]): PatchOutcome {
  const text = splitText(content);
  const fileLines = text.lines;
  const fileNorm = fileLines.map(normalizeWhitespace);
  const failures: HunkFailure[] = [];
  const placed: { placement: Placement; parsed: ParsedHunk }[] = [];
  let offset = 0;

  hunks.forEach((hunk, hunkIndex) => {
    const parsed = readHunk(hunk);
    const fail = (code: HunkFailure["code"], detail: string) => failures.push({ hunkIndex, header: hunk.header, code, detail });
    if (parsed.old.length === 0) {
      if (fileLines.length === 0) {
        placed.push({ placement: { hunkIndex, start: 0, length: 0, level: "exact" }, parsed });
      } else {
        fail("no_context", "The hunk has only '+' lines, so there is nothing to locate it by. Include at least two unchanged context lines (prefixed with a space) before or after the added lines.");
      }
      return;
    }
    const expected = hunk.statedOldStart === null ? null : Math.max(0, hunk.statedOldStart - 1 + offset);
    let choice = chooseCandidate(findBlock(fileLines, parsed.old), expected);
    let level: Placement["level"] = "exact";
    if ("none" in choice) {
      choice = chooseCandidate(findBlock(fileNorm, parsed.old.map(normalizeWhitespace)), expected);
      level = "whitespace";
    }
    if ("ambiguous" in choice) {
      const where = choice.ambiguous.slice(0, 6).map((p) => p + 1).join(", ");
      fail("ambiguous", `Its context and '-' lines match ${choice.ambiguous.length} places in the file (starting at lines ${where}), so the right place is uncertain. Include more unchanged lines around the change so they match exactly one place.`);
      return;
    }
    if ("none" in choice) {
      fail("not_found", describeNotFound(fileLines, fileNorm, parsed));
      return;
    }
    if (hunk.statedOldStart !== null) offset = choice.pick - (hunk.statedOldStart - 1);
    placed.push({ placement: { hunkIndex, start: choice.pick, length: parsed.old.length, level }, parsed });
  });

  placed.sort((a, b) => a.placement.start - b.placement.start || a.placement.hunkIndex - b.placement.hunkIndex);
  for (let i = 1; i < placed.length; i++) {
    const prev = placed[i - 1]!.placement;
    const cur = placed[i]!.placement;
    if (cur.start < prev.start + prev.length || (cur.start === prev.start && prev.length === 0)) {
      const hunk = hunks[cur.hunkIndex]!;
      failures.push({
        hunkIndex: cur.hunkIndex,
        header: hunk.header,
        code: "overlap",
        detail: `It overlaps hunk ${prev.hunkIndex + 1} (${hunks[prev.hunkIndex]!.header}): both change lines ${cur.start + 1}-${prev.start + prev.length}. Merge them into one hunk.`,
      });
    }
  }
  if (failures.length > 0) return { ok: false, failures: failures.sort((a, b) => a.hunkIndex - b.hunkIndex) };

  const out: string[] = [];
  let cursor = 0;
  let finalNewline = text.finalNewline;
  for (const { placement, parsed } of placed) {
    out.push(...fileLines.slice(cursor, placement.start));
    const fix = placement.level === "whitespace" ? indentFixer(parsed, fileLines, placement.start) : (l: string) => l;
    let k = placement.start;
    for (const item of parsed.items) {
      if (item.op === " ") out.push(fileLines[k++]!);
      else if (item.op === "-") k++;
      else out.push(fix(item.text));
    }
    cursor = k;
    // Only a hunk that reaches the end of the file can change the final newline, and only when it says so.
    if (k === fileLines.length) {
      if (fileLines.length === 0) finalNewline = !parsed.newNoEol;
      else if (parsed.newNoEol) finalNewline = false;
      else if (parsed.oldNoEol) finalNewline = true;
    }
  }
  out.push(...fileLines.slice(cursor));
  return {
    ok: true,
    content: joinText({ lines: out, eol: text.eol, finalNewline: out.length > 0 && finalNewline }),
    placements: placed.map((p) => p.placement),
  };
}

/** The content of a file created by a diff (`--- /dev/null`): its '+' lines (and any stray context lines). */
export function contentOfNewFile(hunks: readonly Hunk[]): string {
  const lines: string[] = [];
  let noEol = false;
  for (const hunk of hunks) {
    const parsed = readHunk(hunk);
    for (const item of parsed.items) if (item.op !== "-") lines.push(item.text);
    noEol = parsed.newNoEol;
  }
  return joinText({ lines, eol: "\n", finalNewline: !noEol });
}

/**
 * A deletion diff must describe the file as it is (ignoring whitespace): deleting a file the model
 * has misremembered is refused like any other hunk that does not match.
 */
export function deletionMatches(content: string, hunks: readonly Hunk[]): boolean {
  if (hunks.length === 0) return true;
  const removed = hunks.flatMap((h) => readHunk(h).old).map(normalizeWhitespace);
  const actual = splitText(content).lines.map(normalizeWhitespace);
  while (removed.at(-1) === "") removed.pop();
  while (actual.at(-1) === "") actual.pop();
  return removed.length === actual.length && removed.every((line, i) => line === actual[i]);
}
