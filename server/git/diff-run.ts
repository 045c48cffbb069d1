import { COLLAPSE_ABOVE_ROWS, patchRowCount } from "@/components/diff/patch-rows";
import { git, refCommit, resolveCommit } from "./run-git";

export type DiffFileStatus = "added" | "modified" | "deleted" | "renamed";

/** One file of a run's combined diff, as the diff viewer and the event log carry it. */
export type DiffFile = {
  path: string;
  oldPath?: string;
  status: DiffFileStatus;
  added: number;
  removed: number;
  binary: boolean;
  /** The file's part of `git diff` output, from its `diff --git` line ("" when held back). */
  patch: string;
  /** The patch was left out (a page's first render of a large file it shows collapsed): ask for the whole diff. */
  held?: boolean;
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
  // The branch's head from its ref file (no process); the diff of two commits never changes, so it is kept.
  const head = await refCommit(repoPath, `refs/heads/${branch}`);
  const key = `${repoPath}\0${baseCommit}\0${head}`;
  const kept = diffs.get(key);
  if (kept) {
    diffs.delete(key);
    diffs.set(key, kept);
    return kept;
  }
  // Views that miss together (a run's end reloads its page and every share viewer's) share one set of git processes.
  let making = inFlight.get(key);
  if (!making) {
    making = resolveCommit(repoPath, baseCommit).then((base) => diffCommits(repoPath, base, head));
    inFlight.set(key, making);
    void making.then((diff) => keep(key, diff), () => undefined).finally(() => inFlight.delete(key));
  }
  return making;
}

/**
 * Diffs already made, newest used last, bounded by their patch text (issue #17: every view of a run, its share
 * page and its thread asked git for the same three diffs, 150-250 ms of processes on a loaded machine).
 * Commits are content-addressed, so a kept diff is never stale; callers must not change what they get.
 */
const diffs = new Map<string, RunDiff>();
const inFlight = new Map<string, Promise<RunDiff>>();
const DIFFS_KEPT_CHARS = 32 * 2 ** 20;
let keptChars = 0;
/** Patch text plus a fixed charge per entry and file, so many empty diffs are bounded too. */
const sizeOf = (diff: RunDiff) => 1_000 + diff.files.reduce((sum, file) => sum + 200 + file.patch.length + file.path.length, 0);

function keep(key: string, diff: RunDiff): void {
  const size = sizeOf(diff);
  if (size > DIFFS_KEPT_CHARS / 4) return;
  const replaced = diffs.get(key);
  if (replaced) keptChars -= sizeOf(replaced);
  diffs.delete(key);
  diffs.set(key, diff);
  keptChars += size;
  for (const [oldest, old] of diffs) {
    if (keptChars <= DIFFS_KEPT_CHARS) break;
    diffs.delete(oldest);
    keptChars -= sizeOf(old);
  }
}

/**
 * The diff a page renders first: a file it shows collapsed (more than COLLAPSE_ABOVE_ROWS rows) comes without
 * its patch, marked held, so a run that rewrote six 130k-character files does not put them all into its HTML.
 */
export function withLargePatchesHeld(diff: RunDiff): RunDiff {
  const files = diff.files.map((file) => (patchRowCount(file.patch) > COLLAPSE_ABOVE_ROWS ? { ...file, patch: "", held: true } : file));
  return files.some((file, i) => file !== diff.files[i]) ? { ...diff, files } : diff;
}

async function diffCommits(repoPath: string, base: string, head: string): Promise<RunDiff> {
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
