import { chooseCandidate, findBlock, indentFixer, normalizeWhitespace, type AlignedLine, type Item, type ParsedHunk } from "./hunk-lines";

/**
 * Placement for hunks whose context lost blank lines (or gained some): models copy the code around a
 * change and skip the empty lines. The hunk's non-blank old lines are matched against the file's non-blank
 * lines, then mapped back onto the real lines. Between two matched lines the file's own blank lines are
 * kept unless the hunk removes one; where added lines could sit on either side of a blank line the hunk
 * does not show, every reading is tried and the hunk is refused unless they all give the same text.
 */

export type BlankPlacement = { start: number; end: number; lines: string[]; whitespace: boolean };
export type BlankOutcome = { pick: BlankPlacement } | { ambiguous: number[]; unclearGap?: { start: number; end: number } } | { none: true };

const isBlank = (line: string) => line.trim() === "";
const SEP = "\u0000";
const MAX_READINGS = 8;

/** The longest run of blank lines in a gap's text. */
function longestBlankRun(lines: readonly string[]): number {
  let best = 0;
  let run = 0;
  for (const line of lines) {
    run = isBlank(line) ? run + 1 : 0;
    best = Math.max(best, run);
  }
  return best;
}

/**
 * Every text a gap can become: `items` are the hunk's lines between two matched lines (blank old lines and
 * added lines), `blanks` the file's blank lines there. As many hunk blanks as possible are matched to file
 * blanks in order (a context blank keeps the file's text, a '-' blank removes it); unmatched file blanks
 * stay beside the hunk's blanks, as the one run of blank lines they are in the file (before or after a block
 * of added lines, never inside it), unmatched hunk blanks are extras and vanish. Returns up to MAX_READINGS
 * distinct texts.
 */
function gapOutcomes(items: readonly Item[], blanks: readonly string[], fix: (line: string) => string, afterRemoved: boolean): string[] {
  const oldCount = items.filter((i) => i.op !== "+").length;
  const memo = new Map<string, string[]>();
  const breaks = items.map((item, i) => afterRemoved && item.op === "+" && items[i - 1]?.op === "+" && mayBreakBefore(items, i));
  // run: 0 before the file's blank lines, 1 among them, 2 once added lines came after some of them;
  // kept: whether a blank line the hunk left out has been placed.
  const walk = (i: number, j: number, matches: number, run: 0 | 1 | 2, kept: boolean): string[] => {
    const key = `${i},${j},${matches},${run},${kept}`;
    const cached = memo.get(key);
    if (cached) return cached;
    const out = new Set<string>();
    const add = (prefix: string | null, rest: string[]) => {
      for (const tail of rest) {
        if (out.size >= MAX_READINGS) return;
        out.add(prefix === null ? tail : tail === "" ? prefix + SEP : prefix + SEP + tail);
      }
    };
    if (i === items.length && j === blanks.length && matches === 0) out.add("");
    const item = items[i];
    if (item?.op === "+") add(fix(item.text), walk(i + 1, j, matches, run === 1 ? 2 : run, kept));
    else if (item) {
      // The hunk may split the run with added lines, but then the blank lines it left out have no side.
      if (j < blanks.length && matches > 0 && !(run === 2 && kept)) {
        add(item.op === " " ? blanks[j]! : null, walk(i + 1, j + 1, matches - 1, run === 2 ? 2 : 1, kept));
      }
      add(null, walk(i + 1, j, matches, run, kept));
    }
    // The model wrote its added lines as one block: a blank line it left out sits before or after them,
    // and lines added right after a removed line replace it, in its place; unless they hold a point where a
    // statement ends and another begins (server.ts once lost the blank between two groups of added lines).
    const insideAdded = items[i - 1]?.op === "+" && item?.op === "+" && !breaks[i];
    const replacing = afterRemoved && i === 0 && item?.op === "+";
    if (j < blanks.length && run !== 2 && !insideAdded && !replacing) add(blanks[j]!, walk(i, j + 1, matches, 1, true));
    const result = [...out];
    memo.set(key, result);
    return result;
  };
  return walk(0, 0, Math.min(oldCount, blanks.length), 0, false);
}

const indentOf = (line: string) => /^[ \t]*/.exec(line)![0];
// A line that starts a block of its own (a definition, a decorator, a heading or a comment above something):
// style guides put the blank line before it, so a blank line above it belongs to it.
const OPENS_BLOCK = /^[ \t]*(?:(?:export\s+)?(?:default\s+)?(?:async\s+)?(?:def|class|function|interface|enum|model)\b|@\w|#|\/\/|\/\*)/;

const COMMENT = /^[ \t]*(?:#|\/\/|\/\*|\*)/;

/** A line's kind: its first word (a keyword, a name) or its first character. */
const kindOf = (line: string) => /^[ \t]*([A-Za-z_$][\w$]*|\S)/.exec(line)?.[1] ?? "";

/**
 * Which neighbour a block of added lines belongs to when the hunk left out the blank line between the
 * lines around it (`above`, `below`): the one with the same indentation when only one has it; with both the
 * same, the one above when the line below opens a block of its own (a definition, a comment) and the added
 * lines do not, the one below when the added lines end in a comment, the one above when they start or end
 * like it (an `import` below imports) and not like the line below. Null when the code's structure does
 * not say (then the hunk is refused with the region shown).
 */
function sideOfAdded(added: readonly string[], above: string | undefined, below: string | undefined): "above" | "below" | null {
  const first = added.find((line) => !isBlank(line));
  if (first === undefined || above === undefined || below === undefined || isBlank(above) || isBlank(below)) return null;
  const last = added.findLast((line) => !isBlank(line))!;
  const [a, u, d] = [indentOf(first), indentOf(above), indentOf(below)];
  if (a === u && a !== d) return "above";
  if (a === d && a !== u) return "below";
  if (a !== u || a !== d) return null;
  const opener = added.some((line) => OPENS_BLOCK.test(line) && !COMMENT.test(line));
  if (OPENS_BLOCK.test(below) && !opener && !COMMENT.test(last)) return "above";
  // A block ending in a comment documents what follows it.
  if (COMMENT.test(last)) return "below";
  // Otherwise the neighbour of the same kind: `import` beside imports, `const` beside a `const`.
  const [f, l, up, down] = [first, last, above, below].map(kindOf);
  const likeAbove = f === up || l === up;
  const likeBelow = f === down || l === down;
  // Only toward the line above: a block like the line below is as often the start of what follows it.
  return likeAbove && !likeBelow ? "above" : null;
}

// A line that visibly ends a statement or block (prose and most Python lines do not say).
const ENDS_STATEMENT = /[;)}]$/;
const CLOSES = /^[)\]}.?:]|^(?:else|elif|except|finally|catch)\b/;

/**
 * Whether the model's added lines may have had a blank line (one the hunk left out) between items i-1 and
 * i: after a line that ends a statement (`;`, `)`, `}`), outside brackets, not after a comment, not between
 * lines of one kind, not before a closing or deeper-indented line. Where it may, the added block does not
 * say where the file's blank line goes.
 */
function mayBreakBefore(items: readonly Item[], i: number): boolean {
  let from = i;
  while (from > 0 && items[from - 1]!.op === "+") from--;
  const before = items.slice(from, i).map((item) => item.text);
  const prev = before.at(-1)!.trim();
  const next = items[i]!.text;
  if (!ENDS_STATEMENT.test(prev) || CLOSES.test(next.trim()) || COMMENT.test(prev)) return false;
  // Lines of one kind (imports, assignments to one object, calls of one function) run together.
  if (kindOf(prev) === kindOf(next) || indentOf(next).length > indentOf(before.at(-1)!).length) return false;
  let depth = 0;
  for (const ch of before.join("\n").replace(/(["'`])(?:\\.|(?!\1).)*\1/g, "")) {
    if ("([{".includes(ch)) depth++;
    else if (")]}".includes(ch)) depth--;
  }
  return depth <= 0;
}

/** The single text of a gap, or null when the readings disagree. */
function resolveGap(items: readonly Item[], blanks: readonly string[], fix: (line: string) => string, afterRemoved: boolean, around: { above?: string; below?: string } = {}): string[] | null {
  // A blank line between two removed lines that the hunk does not list stays: it may have been context
  // (git writes "-a", " ", "-b"), and the file's blank lines are kept wherever the hunk does not remove one.
  if (items.length > 40 || blanks.length > 40) return items.some((i) => i.op !== "+") || blanks.length > 0 ? null : items.map((i) => fix(i.text));
  const outcomes = gapOutcomes(items, blanks, fix, afterRemoved).map((o) => (o === "" ? [] : o.split(SEP).slice(0, -1)));
  if (outcomes.length === 1) return outcomes[0]!;
  // A blank line that may sit inside the added block: the blank runs and the side rules below cannot say where.
  // Only a line below that opens a block of its own (a definition, a comment) keeps the blank line before it.
  if (afterRemoved && items.some((item, i) => item.op === "+" && items[i - 1]?.op === "+" && mayBreakBefore(items, i))) {
    const added = items.filter((i) => i.op === "+").map((i) => i.text);
    const opensBelow = around.below !== undefined && OPENS_BLOCK.test(around.below) && !added.some((l) => OPENS_BLOCK.test(l)) && !COMMENT.test(added.at(-1) ?? "");
    const after = opensBelow ? outcomes.filter((lines) => isBlank(lines.at(-1) ?? "")) : [];
    return after.length === 1 ? after[0]! : null;
  }
  if (outcomes.length === 0 || outcomes.length >= MAX_READINGS) return null;
  // With more blank lines in the hunk than in the file, which of them is the extra one decides the text:
  // only the code's structure may choose (below).
  const extra = items.filter((i) => i.op !== "+").length > blanks.length;
  // Readings differ only in where the file's blank lines sit around the added lines. One that does not pile
  // blank lines together (added code ending in a blank line lands after the file's blank, not before it) is
  // preferred when it is the only one.
  const runs = outcomes.map(longestBlankRun);
  const best = extra ? outcomes : outcomes.filter((_, i) => runs[i] === Math.min(...runs));
  if (best.length === 1) return best[0]!;
  // Still two readings: the language's structure (indentation, a definition below) may say which side the
  // added lines go; otherwise (a doc comment belongs below, a statement often above) refuse.
  const side = sideOfAdded(items.filter((i) => i.op === "+").map((i) => i.text), around.above, around.below);
  const onSide = best.filter((lines) => (side === "above" ? !isBlank(lines[0] ?? "") : side === "below" ? !isBlank(lines.at(-1) ?? "") : false));
  return onSide.length === 1 ? onSide[0]! : null;
}

function layout(fileLines: readonly string[], parsed: ParsedHunk, oldIdx: readonly number[], matched: readonly number[], whitespace: boolean): BlankPlacement | null {
  const items = parsed.items;
  const pairs: AlignedLine[] = oldIdx.map((itemIndex, n) => ({ item: items[itemIndex]!, fileLine: fileLines[matched[n]!]! }));
  const fix = whitespace ? indentFixer(pairs) : (line: string) => line;
  const lines: string[] = [];
  const take = (from: number, to: number, blanks: string[], afterRemoved = false, around: { above?: string; below?: string } = {}): boolean => {
    const gap = resolveGap(items.slice(from, to), blanks, fix, afterRemoved, around);
    if (gap === null) return false;
    lines.push(...gap);
    return true;
  };
  // Leading and trailing blank old lines take the file's blank lines next to the match, as far as they go.
  const leadOld = items.slice(0, oldIdx[0]).filter((i) => i.op !== "+").length;
  let start = matched[0]!;
  while (start > 0 && matched[0]! - start < leadOld && isBlank(fileLines[start - 1]!)) start--;
  if (!take(0, oldIdx[0]!, fileLines.slice(start, matched[0]))) return null;
  for (let n = 0; n < oldIdx.length; n++) {
    const item = items[oldIdx[n]!]!;
    if (item.op === " ") lines.push(fileLines[matched[n]!]!);
    const next = oldIdx[n + 1];
    if (next === undefined) break;
    const around = { above: fileLines[matched[n]!], below: fileLines[matched[n + 1]!] };
    if (!take(oldIdx[n]! + 1, next, fileLines.slice(matched[n]! + 1, matched[n + 1]), item.op === "-", around)) return null;
  }
  const last = oldIdx.at(-1)!;
  const trailOld = items.slice(last + 1).filter((i) => i.op !== "+").length;
  let end = matched.at(-1)! + 1;
  while (end < fileLines.length && end - matched.at(-1)! - 1 < trailOld && isBlank(fileLines[end]!)) end++;
  if (!take(last + 1, items.length, fileLines.slice(matched.at(-1)! + 1, end))) return null;
  return { start, end, lines, whitespace };
}

/** Whether a header's old count fits a placement: its lines, plus blank lines beside it the hunk may have lost. */
function countFits(fileLines: readonly string[], { start, end }: BlankPlacement, statedOld: number): boolean {
  let before = 0;
  while (start - before > 0 && isBlank(fileLines[start - before - 1]!)) before++;
  let after = 0;
  while (end + after < fileLines.length && isBlank(fileLines[end + after]!)) after++;
  return statedOld >= end - start && statedOld <= end - start + before + after;
}

/**
 * `expected` is the stated line (null when the header is not trusted); `statedOld`, when the header's counts
 * are off by the same number on both sides, is its old count: the line then picks among copies only when the
 * count is what the chosen copy spans, blank lines included.
 */
export function placeIgnoringBlanks(fileLines: readonly string[], parsed: ParsedHunk, expected: number | null, statedOld?: number): BlankOutcome {
  const match = matchIgnoringBlanks(fileLines, parsed);
  if (!match) return { none: true };
  const { found, starts, fileIdx, oldIdx, whitespace } = match;
  const choice = chooseCandidate(starts, expected);
  if ("ambiguous" in choice) return { ambiguous: choice.ambiguous };
  if ("none" in choice) return choice;
  const p = found[starts.indexOf(choice.pick)]!;
  const placement = layout(fileLines, parsed, oldIdx, fileIdx.slice(p, p + oldIdx.length), whitespace);
  if (placement && starts.length > 1 && statedOld !== undefined && !countFits(fileLines, placement, statedOld)) return { ambiguous: starts };
  if (placement) return { pick: placement };
  return { ambiguous: [choice.pick], unclearGap: { start: fileIdx[p]!, end: fileIdx[p + oldIdx.length - 1]! + 1 } };
}

/**
 * Where a hunk's non-blank old lines occur among the file's non-blank lines (exactly, else ignoring
 * whitespace): `found` indexes the non-blank lines, `starts` are file lines. Null when nowhere.
 */
export function matchIgnoringBlanks(fileLines: readonly string[], parsed: ParsedHunk) {
  const oldIdx = parsed.items.flatMap((item, i) => (item.op !== "+" && !isBlank(item.text) ? [i] : []));
  if (oldIdx.length === 0) return null;
  const fileIdx = fileLines.flatMap((line, i) => (isBlank(line) ? [] : [i]));
  const leadOld = parsed.items.slice(0, oldIdx[0]).filter((i) => i.op !== "+").length;
  for (const whitespace of [false, true]) {
    const norm = whitespace ? normalizeWhitespace : (line: string) => line;
    const found = findBlock(
      fileIdx.map((i) => norm(fileLines[i]!)),
      oldIdx.map((i) => norm(parsed.items[i]!.text)),
    );
    if (found.length > 0) return { found, starts: found.map((p) => Math.max(0, fileIdx[p]! - leadOld)), fileIdx, oldIdx, whitespace };
  }
  return null;
}
