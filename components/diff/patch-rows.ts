/** One rendered line of a file's patch, with the line numbers it has on each side. */
export type PatchRow =
  | { kind: "hunk"; text: string }
  | { kind: "context"; oldLine: number; newLine: number; text: string }
  | { kind: "added"; newLine: number; text: string }
  | { kind: "removed"; oldLine: number; text: string }
  | { kind: "note"; text: string };

const HUNK = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@/;

/** A file whose patch has more rows than this starts collapsed on a run's page, and its page leaves its patch out until opened. */
export const COLLAPSE_ABOVE_ROWS = 400;

/** How many rows patchRows makes of a patch (every line from the first hunk on), without making them. */
export function patchRowCount(patch: string): number {
  const first = patch.startsWith("@@ ") ? 0 : patch.indexOf("\n@@ ") + 1;
  if (first === 0 && !patch.startsWith("@@ ")) return 0;
  let rows = 0;
  for (let at = first; at < patch.length; rows++) {
    const end = patch.indexOf("\n", at);
    at = end === -1 ? patch.length : end + 1;
  }
  return rows;
}

/** Turns one file's `git diff` text into rows; the git headers above the first hunk are skipped. */
export function patchRows(patch: string): PatchRow[] {
  const rows: PatchRow[] = [];
  let oldLine = 0;
  let newLine = 0;
  let inHunk = false;
  const lines = patch.split("\n");
  if (lines.at(-1) === "") lines.pop();
  for (const line of lines) {
    const header = HUNK.exec(line);
    if (header) {
      oldLine = Number(header[1]);
      newLine = Number(header[2]);
      inHunk = true;
      rows.push({ kind: "hunk", text: line });
    } else if (!inHunk) {
      continue;
    } else if (line.startsWith("+")) {
      rows.push({ kind: "added", newLine: newLine++, text: line.slice(1) });
    } else if (line.startsWith("-")) {
      rows.push({ kind: "removed", oldLine: oldLine++, text: line.slice(1) });
    } else if (line.startsWith("\\")) {
      rows.push({ kind: "note", text: line.slice(2) });
    } else {
      rows.push({ kind: "context", oldLine: oldLine++, newLine: newLine++, text: line.slice(1) });
    }
  }
  return rows;
}
