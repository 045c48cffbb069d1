import { normalizeWhitespace, type ParsedHunk } from "./hunk-lines";

const isBlank = (line: string) => line.trim() === "";

function preview(line: string): string {
  return line.length > 160 ? `${line.slice(0, 157)}...` : line;
}

/** Indices of the non-blank lines, the skeleton that blank-line slips in a hunk do not change. */
function nonBlankIndices(lines: readonly string[]): number[] {
  const out: number[] = [];
  lines.forEach((line, i) => {
    if (!isBlank(line)) out.push(i);
  });
  return out;
}

/**
 * The region of the file most like the hunk's old lines, for the "closest region" hint. Compared on
 * non-blank lines, so a hunk that lost (or gained) blank lines still finds where it belongs; the region
 * is reported in real file lines, blank lines included, so the retry can copy them.
 */
export function closestRegion(fileLines: readonly string[], old: readonly string[]): { start: number; end: number; pairs: [number, number][] } | null {
  const fileIdx = nonBlankIndices(fileLines);
  const oldIdx = nonBlankIndices(old);
  const fileNorm = fileIdx.map((i) => normalizeWhitespace(fileLines[i]!));
  const oldNorm = oldIdx.map((i) => normalizeWhitespace(old[i]!));
  const span = Math.min(oldNorm.length, fileNorm.length);
  let best: { p: number; score: number } | null = null;
  for (let p = 0; p + span <= fileNorm.length; p++) {
    let score = 0;
    for (let i = 0; i < span; i++) if (fileNorm[p + i] === oldNorm[i]) score++;
    if (score > 0 && (!best || score > best.score)) best = { p, score };
  }
  if (!best || span === 0) return null;
  const pairs: [number, number][] = [];
  for (let i = 0; i < span; i++) pairs.push([oldIdx[i]!, fileIdx[best.p + i]!]);
  // Widen by the hunk's own leading/trailing blank lines where the file has them too.
  let start = fileIdx[best.p]!;
  for (let n = oldIdx[0]!; n > 0 && start > 0 && isBlank(fileLines[start - 1]!); n--) start--;
  let end = fileIdx[best.p + span - 1]! + 1;
  for (let n = old.length - 1 - oldIdx[span - 1]!; n > 0 && end < fileLines.length && isBlank(fileLines[end]!); n--) end++;
  return { start, end, pairs };
}

/** Lines start..end-1 of the file, numbered, blank lines included (at most 20 shown). */
export function showRegion(fileLines: readonly string[], start: number, end: number): string {
  const shown = Math.min(end, start + 20);
  const parts = [`lines ${start + 1}-${end} (blank lines included):`];
  for (let i = start; i < shown; i++) parts.push(`  ${String(i + 1).padStart(5)} | ${preview(fileLines[i]!)}`);
  if (shown < end) parts.push(`  ... ${end - shown} more lines`);
  return parts.join("\n");
}

export function describeNotFound(fileLines: readonly string[], parsed: ParsedHunk): string {
  const oldNorm = parsed.old.map(normalizeWhitespace);
  const present = new Set(fileLines.map(normalizeWhitespace));
  const missing = parsed.old.filter((line, i) => oldNorm[i] !== "" && !present.has(oldNorm[i]!));
  const parts: string[] = [];
  if (missing.length > 0) {
    parts.push("These lines of the hunk (context or '-') do not exist anywhere in the file:");
    for (const line of missing.slice(0, 8)) parts.push(`    ${preview(line)}`);
    if (missing.length > 8) parts.push(`    ... and ${missing.length - 8} more`);
  } else {
    parts.push("Each context/'-' line exists somewhere in the file, but not as one consecutive block in this order.");
  }
  const region = closestRegion(fileLines, parsed.old);
  if (!region) return parts.join("\n");
  parts.push(`The closest region of the file is ${showRegion(fileLines, region.start, region.end)}`);
  const mismatches = region.pairs
    .filter(([o, f]) => normalizeWhitespace(parsed.old[o]!) !== normalizeWhitespace(fileLines[f]!))
    .map(([o, f]) => `    line ${f + 1}: hunk expects ${JSON.stringify(preview(parsed.old[o]!))}, file has ${JSON.stringify(preview(fileLines[f]!))}`);
  if (mismatches.length > 0) parts.push("Differences there:", ...mismatches.slice(0, 6));
  const fileBlanks = fileLines.slice(region.start, region.end).filter(isBlank).length;
  const hunkBlanks = parsed.old.filter(isBlank).length;
  if (fileBlanks !== hunkBlanks) {
    parts.push(`The file has ${fileBlanks} blank line(s) in this region and the hunk's context has ${hunkBlanks}: copy the blank lines exactly as shown (a blank context line is a line with a single space).`);
  }
  return parts.join("\n");
}
