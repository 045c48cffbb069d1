import { parseUnifiedDiff } from "./parse-diff";
import { applyHunks, type PatchOutcome } from "./place-hunks";

/** Test helpers: apply a whole unified diff's first file patch to `content`. */
export function applyDiff(content: string, diff: string): PatchOutcome {
  const [patch] = parseUnifiedDiff(diff);
  if (!patch) throw new Error("no patch parsed");
  return applyHunks(content, patch.hunks);
}

export function ok(result: PatchOutcome): string {
  if (!result.ok) throw new Error(JSON.stringify(result.failures, null, 2));
  return result.content;
}
