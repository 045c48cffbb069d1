import { git, resolveCommit } from "./run-git";

export type DiffFileStatus = "added" | "modified" | "deleted" | "renamed";

/** One file of a run's combined diff, as the diff viewer and the event log carry it. */
export type DiffFile = {
  path: string;
  oldPath?: string;
  status: DiffFileStatus;
  added: number;
  removed: number;
  binary: boolean;
  /** The file's part of `git diff` output, from its `diff --git` line. */
  patch: string;
};

export type RunDiff = { baseCommit: string; headCommit: string; files: DiffFile[]; added: number; removed: number };

const DIFF_FLAGS = ["--no-color", "--no-ext-diff", "--find-renames"];

/** Splits `git diff` output into one chunk per file. */
export function splitGitDiff(text: string): string[] {
  const chunks: string[] = [];
  for (const line of text.split(/(?<=\n)/)) {
    if (line.startsWith("diff --git ") || chunks.length === 0) chunks.push(line);
    else chunks[chunks.length - 1] += line;
  }
  return chunks.filter((c) => c.startsWith("diff --git "));
}

/**
 * The combined diff of a run's branch against its base commit, per file with added/removed counts and
 * the raw patch. Counts come from `--numstat` and statuses from `--name-status` (-z, so any file name
 * parses); both list files in the same order as the patch text.
 */
export async function diffRun({ repoPath, branch, baseCommit }: { repoPath: string; branch: string; baseCommit: string }): Promise<RunDiff> {
  const base = await resolveCommit(repoPath, baseCommit);
  const head = await resolveCommit(repoPath, `refs/heads/${branch}`);
  const range = [base, head];
  const [numstat, status, patch] = await Promise.all([
    git(["diff", ...DIFF_FLAGS, "-z", "--numstat", ...range, "--"], { cwd: repoPath }),
    git(["diff", ...DIFF_FLAGS, "-z", "--name-status", ...range, "--"], { cwd: repoPath }),
    git(["diff", ...DIFF_FLAGS, ...range, "--"], { cwd: repoPath }),
  ]);

  const counts: { added: number | null; removed: number | null }[] = [];
  const numTokens = numstat.stdout.split("\0");
  for (let i = 0; i < numTokens.length; i++) {
    const token = numTokens[i]!;
    if (!token) continue;
    const [added, removed, inlinePath] = token.split("\t");
    if (inlinePath === "") i += 2; // rename: the two paths follow as separate tokens
    counts.push({ added: added === "-" ? null : Number(added), removed: removed === "-" ? null : Number(removed) });
  }

  const entries: { status: DiffFileStatus; path: string; oldPath?: string }[] = [];
  const statusTokens = status.stdout.split("\0");
  for (let i = 0; i < statusTokens.length; i++) {
    const code = statusTokens[i]!;
    if (!code) continue;
    if (code.startsWith("R") || code.startsWith("C")) {
      entries.push({ status: "renamed", oldPath: statusTokens[i + 1]!, path: statusTokens[i + 2]! });
      i += 2;
    } else {
      const kind: DiffFileStatus = code === "A" ? "added" : code === "D" ? "deleted" : "modified";
      entries.push({ status: kind, path: statusTokens[i + 1]! });
      i += 1;
    }
  }

  const patches = splitGitDiff(patch.stdout);
  const files = entries.map((entry, index): DiffFile => {
    const count = counts[index] ?? { added: 0, removed: 0 };
    return {
      ...entry,
      added: count.added ?? 0,
      removed: count.removed ?? 0,
      binary: count.added === null,
      patch: patches[index] ?? "",
    };
  });
  return {
    baseCommit: base,
    headCommit: head,
    files,
    added: files.reduce((sum, f) => sum + f.added, 0),
    removed: files.reduce((sum, f) => sum + f.removed, 0),
  };
}

/**
 * A downloadable patch of the run. "mbox" (default) is `git format-patch --stdout`: one message per step
 * commit, applied with `git am`, keeping messages and authorship. "plain" is the combined `git diff
 * --binary` against the base, applied with `git apply` or `patch -p1`.
 */
export async function formatPatch({
  repoPath,
  branch,
  baseCommit,
  style = "mbox",
}: {
  repoPath: string;
  branch: string;
  baseCommit: string;
  style?: "mbox" | "plain";
}): Promise<string> {
  const base = await resolveCommit(repoPath, baseCommit);
  const head = await resolveCommit(repoPath, `refs/heads/${branch}`);
  if (style === "plain") return (await git(["diff", ...DIFF_FLAGS, "--binary", base, head, "--"], { cwd: repoPath })).stdout;
  return (await git(["format-patch", "--stdout", "--no-signature", "--binary", `${base}..${head}`], { cwd: repoPath })).stdout;
}
