import type { Parsed } from "@/server/agents/agent-context";
import { looksLikeDiff, unsafePathReason, type FencedBlock } from "@/server/agents/parse-model-output";

/** An edit as the agents propose it; the orchestrator applies it through the Workspace port. */
export type FileEdit = { kind: "write"; path: string; content: string } | { kind: "patch"; path: string; diff: string };

/** The path a unified diff names in its +++ line (or --- for a deletion), without a/ b/ prefixes. */
export function pathOfDiff(diff: string): string | undefined {
  const plus = /^\+\+\+ (?:b\/)?([^\t\n]+)/m.exec(diff)?.[1]?.trim();
  if (plus && plus !== "/dev/null") return plus;
  return /^--- (?:a\/)?([^\t\n]+)/m.exec(diff)?.[1]?.trim();
}

/** One fenced block to an edit of `expectedPath`; a diff must be for an existing file. */
export function blockToEdit(block: FencedBlock, expectedPath: string, fileExists: boolean): Parsed<FileEdit> {
  if (!block.body.trim()) return { ok: false, error: `the code block for ${expectedPath} is empty` };
  if (looksLikeDiff(block)) {
    if (!fileExists) return { ok: false, error: `${expectedPath} does not exist yet, so a diff cannot apply; send the full file content instead` };
    if (!/^@@ /m.test(block.body)) return { ok: false, error: "the diff has no @@ hunk header; send a unified diff with ---/+++ lines and @@ hunks, or the full file" };
    return { ok: true, value: { kind: "patch", path: expectedPath, diff: block.body } };
  }
  return { ok: true, value: { kind: "write", path: expectedPath, content: block.body } };
}

export function checkPath(path: string): Parsed<string> {
  const unsafe = unsafePathReason(path);
  return unsafe ? { ok: false, error: unsafe } : { ok: true, value: path };
}
