import { describeNotFound, showRegion } from "./describe-unplaced-hunk";
import { chooseCandidate, findBlock, headerCountsOff, indentFixer, joinText, normalizeWhitespace, readHunk, splitText, type ParsedHunk } from "./hunk-lines";
import { matchIgnoringBlanks, placeIgnoringBlanks } from "./place-ignoring-blanks";
import type { Hunk } from "./types";

export { chooseCandidate, findBlock, joinText, normalizeWhitespace, readHunk, splitText, type TextLines } from "./hunk-lines";

export type Placement = { hunkIndex: number; start: number; length: number; level: "exact" | "whitespace" | "blank_lines" };

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

/**
 * Places every hunk against the ORIGINAL file (so hunks may come in any order), refuses on any doubt,
 * and applies them together. Exact context first (at the stated line, then anywhere), then a
 * whitespace-insensitive match, then one that ignores blank lines; context lines keep the file's own text.
 */
export function applyHunks(content: string, hunks: readonly Hunk[]): PatchOutcome {
  const text = splitText(content);
  const fileLines = text.lines;
  const fileNorm = fileLines.map(normalizeWhitespace);
  const failures: HunkFailure[] = [];
  const placed: { placement: Placement; parsed: ParsedHunk; lines: string[] }[] = [];
  let offset = 0;

  hunks.forEach((hunk, hunkIndex) => {
    const parsed = readHunk(hunk);
    const fail = (code: HunkFailure["code"], detail: string) => failures.push({ hunkIndex, header: hunk.header, code, detail });
    if (parsed.old.length === 0) {
      if (fileLines.length === 0) {
        placed.push({ placement: { hunkIndex, start: 0, length: 0, level: "exact" }, parsed, lines: newLines(parsed, [], 0, false) });
      } else {
        fail("no_context", "The hunk has only '+' lines, so there is nothing to locate it by. Include at least two unchanged context lines (prefixed with a space) before or after the added lines.");
      }
      return;
    }
    const stated = hunk.statedOldStart === null ? null : Math.max(0, hunk.statedOldStart - 1 + offset);
    // A line number picks among copies only from a header whose counts add up to the body (a shifted header
    // named the wrong copy exactly); at the blank-line level, counts off by the blank lines the hunk lost.
    const off = headerCountsOff(hunk.header, parsed);
    const expected = off === 0 ? stated : null;
    let choice = chooseCandidate(findBlock(fileLines, parsed.old), expected);
    let level: Placement["level"] = "exact";
    if ("none" in choice) {
      choice = chooseCandidate(findBlock(fileNorm, parsed.old.map(normalizeWhitespace)), expected);
      level = "whitespace";
    }
    // A header that does not add up to the body may belong to a hunk that lost (or gained) blank lines, and
    // the one copy that matches exactly may be another copy that lacks them: then only the blank-line level
    // (with the header's counts) may choose.
    if ("pick" in choice && off !== 0 && (matchIgnoringBlanks(fileLines, parsed)?.starts.length ?? 0) > 1) choice = { none: true };
    let blank: ReturnType<typeof placeIgnoringBlanks> | null = null;
    if ("none" in choice) {
      blank = placeIgnoringBlanks(fileLines, parsed, off === null ? null : stated, off === 0 || off === null ? undefined : parsed.old.length + off);
      choice = "pick" in blank ? { pick: blank.pick.start } : blank;
      level = "blank_lines";
    }
    if ("ambiguous" in choice) {
      const where = choice.ambiguous.slice(0, 6).map((p) => p + 1).join(", ");
      const gap = blank && "unclearGap" in blank ? blank.unclearGap : undefined;
      fail("ambiguous", gap ? `Its lines match once blank lines are ignored, but it leaves out blank lines next to the lines it adds, so where those go is uncertain. Copy the context with its blank lines from ${showRegion(fileLines, gap.start, gap.end)}` : `Its context and '-' lines match ${choice.ambiguous.length} places in the file (starting at lines ${where}), so the right place is uncertain. Include more unchanged lines around the change so they match exactly one place.`);
      return;
    }
    if ("none" in choice) {
      fail("not_found", describeNotFound(fileLines, parsed));
      return;
    }
    if (hunk.statedOldStart !== null && (off === 0 || (off !== null && level === "blank_lines"))) offset = choice.pick - (hunk.statedOldStart - 1);
    if (blank && "pick" in blank) {
      const { start, end, lines } = blank.pick;
      placed.push({ placement: { hunkIndex, start, length: end - start, level }, parsed, lines });
    } else {
      placed.push({ placement: { hunkIndex, start: choice.pick, length: parsed.old.length, level }, parsed, lines: newLines(parsed, fileLines, choice.pick, level === "whitespace") });
    }
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
  for (const { placement, parsed, lines } of placed) {
    out.push(...fileLines.slice(cursor, placement.start), ...lines);
    const k = placement.start + placement.length;
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

/** A hunk matched line for line at `start`: context keeps the file's text, '-' drops, '+' adds. */
function newLines(parsed: ParsedHunk, fileLines: readonly string[], start: number, fixIndent: boolean): string[] {
  const old = parsed.items.filter((item) => item.op !== "+");
  const fix = fixIndent ? indentFixer(old.map((item, i) => ({ item, fileLine: fileLines[start + i]! }))) : (l: string) => l;
  const lines: string[] = [];
  let k = start;
  for (const item of parsed.items) {
    if (item.op === " ") lines.push(fileLines[k++]!);
    else if (item.op === "-") k++;
    else lines.push(fix(item.text));
  }
  return lines;
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
