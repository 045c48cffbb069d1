import { parsePatch } from "diff";
import type { FilePatch, Hunk } from "./types";

export class DiffParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DiffParseError";
  }
}

const HUNK_HEADER = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/;
const DEV_NULL = "/dev/null";

type RawHunk = { header: string; statedOldStart: number | null; body: string[] };
type RawFile = {
  gitOld?: string;
  gitNew?: string;
  minusPath?: string;
  plusPath?: string;
  renameFrom?: string;
  renameTo?: string;
  newFile: boolean;
  deletedFile: boolean;
  binary: boolean;
  hunks: RawHunk[];
};

/** Undo git's C-style quoting of unusual paths ("a/caf\303\251.py"). */
function unquotePath(raw: string): string {
  if (!(raw.length >= 2 && raw.startsWith('"') && raw.endsWith('"'))) return raw;
  const bytes: number[] = [];
  const body = raw.slice(1, -1);
  const escapes: Record<string, number> = { n: 10, t: 9, r: 13, '"': 34, "\\": 92, a: 7, b: 8, f: 12, v: 11 };
  for (let i = 0; i < body.length; i++) {
    const ch = body[i]!;
    if (ch !== "\\") {
      bytes.push(...Buffer.from(ch, "utf8"));
      continue;
    }
    const next = body[i + 1] ?? "";
    if (/[0-7]/.test(next)) {
      bytes.push(parseInt(body.slice(i + 1, i + 4), 8));
      i += 3;
    } else {
      bytes.push(escapes[next] ?? next.charCodeAt(0));
      i += 1;
    }
  }
  return Buffer.from(bytes).toString("utf8");
}

/** The path part of a ---/+++ line: drops a tab-separated timestamp and quoting. */
function headerPath(rest: string): string {
  const trimmed = rest.trim();
  const quoted = /^"(?:[^"\\]|\\.)*"/.exec(trimmed);
  if (quoted) return unquotePath(quoted[0]);
  return trimmed.split("\t")[0]!.trim();
}

function splitGitHeader(rest: string): { old?: string; new?: string } {
  const quoted = /^("(?:[^"\\]|\\.)*"|\S+) ("(?:[^"\\]|\\.)*"|\S+)$/.exec(rest);
  if (quoted && (rest.startsWith('"') || !rest.includes(" b/", rest.indexOf(" b/") + 1))) {
    return { old: unquotePath(quoted[1]!), new: unquotePath(quoted[2]!) };
  }
  // "a/x y b/x y": prefer the split where both halves name the same file.
  const candidates: number[] = [];
  for (let at = rest.indexOf(" b/"); at !== -1; at = rest.indexOf(" b/", at + 1)) candidates.push(at);
  for (const at of candidates) {
    if (rest.slice(2, at) === rest.slice(at + 3)) return { old: rest.slice(0, at), new: rest.slice(at + 1) };
  }
  const last = candidates.at(-1);
  return last === undefined ? {} : { old: rest.slice(0, last), new: rest.slice(last + 1) };
}

function stripPrefix(path: string, prefix: "a/" | "b/", force: boolean): string {
  if (path === DEV_NULL) return path;
  let out = path;
  if (force && out.startsWith(prefix)) out = out.slice(2);
  while (out.startsWith("./")) out = out.slice(2);
  return out;
}

function withoutSide(path: string): string {
  return path.startsWith("a/") || path.startsWith("b/") ? path.slice(2) : path;
}

function isFence(line: string, inHunk: boolean): boolean {
  // Inside a hunk, one diff marker then ``` is a line of a file that holds a fence (Markdown), not the end
  // of the model's block: cutting the hunk there applied its first lines elsewhere.
  if (inHunk && /^[ +-]```/.test(line)) return false;
  return /^\s*```/.test(line);
}

/**
 * Reads a unified diff as models write it: wrong or missing counts in hunk headers, `@@ ... @@` headers
 * without numbers, missing a/ b/ prefixes, code fences and prose around the diff, context lines that
 * lost their leading space when blank. Counts are recomputed from the hunk bodies, then each file is
 * re-serialized with exact headers and handed to jsdiff's parsePatch as the canonical reader.
 */
export function parseUnifiedDiff(text: string): FilePatch[] {
  const lines = text.replace(/\r\n/g, "\n").split("\n");
  const files: RawFile[] = [];
  let file: RawFile | undefined;
  let hunk: RawHunk | undefined;

  const newFile = (): RawFile => {
    const created: RawFile = { newFile: false, deletedFile: false, binary: false, hunks: [] };
    files.push(created);
    hunk = undefined;
    return created;
  };
  const closeHunk = () => {
    // Blank lines after the last body line are usually separators, not blank context.
    while (hunk && hunk.body.length > 0 && hunk.body.at(-1) === "") hunk.body.pop();
    hunk = undefined;
  };

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const next = lines[i + 1];
    if (isFence(line, hunk !== undefined)) {
      closeHunk();
      continue;
    }
    if (line.startsWith("diff --git ")) {
      closeHunk();
      file = newFile();
      const { old, new: neu } = splitGitHeader(line.slice("diff --git ".length));
      file.gitOld = old;
      file.gitNew = neu;
      continue;
    }
    if (line.startsWith("--- ") && next !== undefined && next.startsWith("+++ ")) {
      closeHunk();
      // A ---/+++ pair right after `diff --git` belongs to it; otherwise it starts a new file.
      const minus = headerPath(line.slice(4));
      const continuesGitHeader =
        file?.gitOld !== undefined &&
        file.minusPath === undefined &&
        file.hunks.length === 0 &&
        (minus === DEV_NULL || withoutSide(minus) === withoutSide(file.renameFrom ?? file.gitOld));
      if (!file || !continuesGitHeader) file = newFile();
      file.minusPath = minus;
      file.plusPath = headerPath(next.slice(4));
      i++;
      continue;
    }
    if (line.startsWith("@@")) {
      closeHunk();
      if (!file) throw new DiffParseError(`Line ${i + 1}: hunk header "${line}" comes before any file header (--- a/path, +++ b/path).`);
      const match = HUNK_HEADER.exec(line);
      hunk = { header: line, statedOldStart: match ? Number(match[1]) : null, body: [] };
      file.hunks.push(hunk);
      continue;
    }
    if (hunk) {
      if (line === "" || line[0] === " " || line[0] === "+" || line[0] === "-" || line[0] === "\\") {
        hunk.body.push(line);
        continue;
      }
      closeHunk();
    }
    if (!file) continue;
    if (file.hunks.length === 0) {
      // git extended header lines
      let m: RegExpExecArray | null;
      if ((m = /^rename from (.+)$/.exec(line))) file.renameFrom = unquotePath(m[1]!);
      else if ((m = /^rename to (.+)$/.exec(line))) file.renameTo = unquotePath(m[1]!);
      else if (line.startsWith("new file mode")) file.newFile = true;
      else if (line.startsWith("deleted file mode")) file.deletedFile = true;
      else if (line.startsWith("GIT binary patch") || /^Binary files .* differ$/.test(line)) file.binary = true;
    }
    // Anything else between files (prose, "index ...", "similarity index") carries no edit.
  }
  closeHunk();

  return files.filter((f) => f.hunks.length > 0 || f.renameFrom || f.newFile || f.deletedFile || f.binary || f.minusPath).map(toFilePatch);
}

function toFilePatch(raw: RawFile): FilePatch {
  const gitStyle = raw.gitOld !== undefined;
  const minus = raw.minusPath ?? raw.gitOld;
  const plus = raw.plusPath ?? raw.gitNew;
  // Prefixes are stripped when the diff uses them consistently (or is git-style); a bare path is kept.
  const usesPrefixes =
    gitStyle ||
    ((minus?.startsWith("a/") || minus === DEV_NULL) && (plus?.startsWith("b/") || plus === DEV_NULL));
  let oldPath: string | null = minus === undefined ? null : stripPrefix(minus, "a/", usesPrefixes);
  let newPath: string | null = plus === undefined ? null : stripPrefix(plus, "b/", usesPrefixes);
  if (raw.renameFrom) oldPath = raw.renameFrom;
  if (raw.renameTo) newPath = raw.renameTo;
  if (oldPath === DEV_NULL || raw.newFile) oldPath = null;
  if (newPath === DEV_NULL || raw.deletedFile) newPath = null;
  if (oldPath === null && newPath === null) {
    throw new DiffParseError("A file section names neither an old nor a new path (both /dev/null).");
  }
  const label = newPath ?? oldPath ?? "(unknown)";
  const kind = oldPath === null ? "add" : newPath === null ? "delete" : oldPath !== newPath ? "rename" : "modify";
  return {
    kind,
    oldPath,
    newPath,
    binary: raw.binary,
    hunks: raw.hunks.map((h, index) => canonicalHunk(label, h, index, raw.hunks.length)),
  };
}

/** Recounts the body, writes an exact header and lets jsdiff parse it. */
function canonicalHunk(label: string, raw: RawHunk, index: number, count: number): Hunk {
  const body = raw.body.map((line) => (line === "" ? " " : line));
  let oldCount = 0;
  let newCount = 0;
  for (const line of body) {
    if (line[0] === " " || line[0] === "-") oldCount++;
    if (line[0] === " " || line[0] === "+") newCount++;
  }
  if (oldCount === 0 && newCount === 0) {
    throw new DiffParseError(`${label}: hunk ${index + 1} of ${count} (${raw.header}) has no lines.`);
  }
  const start = raw.statedOldStart ?? 1;
  const text = [`--- a/${label}`, `+++ b/${label}`, `@@ -${start},${oldCount} +${start},${newCount} @@`, ...body, ""].join("\n");
  let parsed;
  try {
    parsed = parsePatch(text);
  } catch (error) {
    throw new DiffParseError(`${label}: hunk ${index + 1} of ${count} (${raw.header}) is malformed: ${(error as Error).message}`);
  }
  const lines = parsed[0]?.hunks[0]?.lines ?? [];
  return { header: raw.header, statedOldStart: raw.statedOldStart, lines };
}
