import type { Parsed } from "@/server/agents/agent-context";
import { looksLikeDiff, type FencedBlock } from "@/server/agents/parse-model-output";

/** An edit as the agents propose it; the orchestrator applies it through the Workspace port. */
export type FileEdit = { kind: "write"; path: string; content: string } | { kind: "patch"; path: string; diff: string };

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
