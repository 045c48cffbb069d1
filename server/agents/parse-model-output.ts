import type { Parsed } from "@/server/agents/agent-context";
import { safeRelativePath } from "@/server/editing/safe-relative-path";

/** The JSON value in a model answer: the whole answer, a ```json block, or the outermost {...} in prose. */
export function extractJson(text: string): Parsed<unknown> {
  const trimmed = text.trim();
  if (!trimmed) return { ok: false, error: "the answer was empty; a JSON object was expected" };
  const candidates: string[] = [trimmed];
  const fenced = /```(?:json|JSON)?[^\n]*\n([\s\S]*?)```/.exec(trimmed);
  if (fenced?.[1]) candidates.push(fenced[1].trim());
  for (const [open, close] of [["{", "}"], ["[", "]"]] as const) {
    const start = trimmed.indexOf(open);
    const end = trimmed.lastIndexOf(close);
    if (start !== -1 && end > start) candidates.push(trimmed.slice(start, end + 1));
  }
  let lastError = "no JSON object found in the answer";
  for (const candidate of candidates) {
    try {
      return { ok: true, value: JSON.parse(candidate) };
    } catch (error) {
      // Prose that merely contains no JSON should say so, not quote a parser error about its first word.
      if (/^[[{]/.test(candidate)) lastError = `invalid JSON: ${(error as Error).message}`;
    }
  }
  return { ok: false, error: lastError };
}

export interface FencedBlock {
  /** The language of the fence (python, diff, ...), lower case, "" when absent. */
  lang: string;
  /** The path named just above the block (`File: x.py`) or in its info string (`python file=x.py`). */
  path?: string;
  body: string;
}

const FENCE = /^ {0,3}(`{3,}|~{3,})\s*([\w+.-]*)(.*)$/;
const PATH_LINE = /^\s*(?:#+\s*|-\s*)?\**(?:file|path|filename)\**\s*:\s*\**\s*`?([\w./-]+)`?\**\s*$/i;
const BARE_PATH_LINE = /^\s*(?:#+\s*)?`([\w./-]+\.[\w]+)`:?\s*$|^\s*#+\s*([\w./-]+\.[\w]+)\s*$/;
const INFO_PATH = /(?:file|path|title)\s*[=:]\s*"?([\w./-]+)"?/i;

/** Every fenced code block in an answer, with the file it names; an unclosed fence is an error. */
export function parseFencedBlocks(text: string): Parsed<FencedBlock[]> {
  const lines = text.split(/\r?\n/);
  const blocks: FencedBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i]!);
    if (!open) continue;
    const fence = open[1]!;
    const lang = (open[2] ?? "").toLowerCase();
    const info = open[3] ?? "";
    let end = i + 1;
    while (end < lines.length && lines[end]!.trim() !== fence) end++;
    if (end >= lines.length) {
      return { ok: false, error: `the code block opened on line ${i + 1} is never closed with ${fence} (was the answer cut off?)` };
    }
    let path = INFO_PATH.exec(info)?.[1];
    for (let back = i - 1; path === undefined && back >= Math.max(0, i - 2); back--) {
      const line = lines[back]!;
      if (!line.trim()) continue;
      const match = PATH_LINE.exec(line) ?? BARE_PATH_LINE.exec(line);
      path = match?.[1] ?? match?.[2];
      break;
    }
    const body = lines.slice(i + 1, end).join("\n");
    blocks.push({ lang, path, body: body.endsWith("\n") || body === "" ? body : `${body}\n` });
    i = end;
  }
  return { ok: true, value: blocks };
}

export function looksLikeDiff(block: FencedBlock): boolean {
  if (["diff", "patch", "udiff"].includes(block.lang)) return true;
  const start = block.body.trimStart();
  return start.startsWith("--- ") || start.startsWith("diff --git") || start.startsWith("@@ ");
}

/** Rejects paths that could escape the run's worktree (the one lexical rule, server/editing/safe-relative-path.ts). */
export function unsafePathReason(path: string): string | undefined {
  const checked = safeRelativePath(path);
  return checked.ok ? undefined : checked.reason;
}
