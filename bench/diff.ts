/**
 * How often the Coder's diffs apply, measured on real edits with the mistakes models make.
 *
 * Cases (before, diff, after) come from /work/main's own git history (git's real diffs) and from
 * files in /usr/lib/python3.11 with synthetic edits (modify / insert / delete at 1-4 places, diffed by
 * jsdiff with 3 lines of context). Each case is applied exact and with each perturbation: shifted line
 * numbers, dropped counts (`@@ ... @@`), whitespace-only changes to context lines, hunks reversed, a/ b/
 * prefixes dropped, blank context lines dropped (one, two or all, counts left as they were) and, the mirror,
 * a blank context line the file does not have. Figures: exact rate (result identical to `after`),
 * wrong-apply rate (applied but not identical: must be 0), refusals, and the same figures for jsdiff's own
 * applyPatch and for GNU patch (default fuzz) as baselines.
 *
 * Run alone: npx tsx bench/diff.ts [--quick]; BENCH_DIFF_SEED=n draws other synthetic edits and perturbations.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { applyPatch, structuredPatch } from "diff";
import { parseUnifiedDiff } from "@/server/editing/parse-diff";
import { applyHunks } from "@/server/editing/place-hunks";

type BenchHunk = { oldStart: number; oldLines: number; newStart: number; newLines: number; lines: string[] };
type Case = { source: "history" | "synthetic"; name: string; before: string; after: string; hunks: BenchHunk[]; trailer: string[] };
type Perturbation =
  | "exact"
  | "shifted_lines"
  | "dropped_counts"
  | "whitespace_context"
  | "reordered_hunks"
  | "no_prefixes"
  | "blank_context_dropped"
  | "blank_context_added";
const PERTURBATIONS: Perturbation[] = [
  "exact",
  "shifted_lines",
  "dropped_counts",
  "whitespace_context",
  "reordered_hunks",
  "no_prefixes",
  "blank_context_dropped",
  "blank_context_added",
];
const BLANK_KINDS: Perturbation[] = ["blank_context_dropped", "blank_context_added"];
const isBlankContext = (line: string) => line.startsWith(" ") && line.trim() === "";

/** Whether a perturbation changes this case at all (a case without blank context lines cannot lose one). */
function applies(testCase: Case, kind: Perturbation): boolean {
  if (kind === "reordered_hunks") return testCase.hunks.length > 1;
  if (kind === "blank_context_dropped") return testCase.hunks.some((h) => h.lines.some(isBlankContext));
  if (kind === "blank_context_added") return testCase.hunks.some((h) => h.lines.some((l) => l.startsWith(" ") && l.trim() !== ""));
  return true;
}

/** Small deterministic PRNG (mulberry32) so every run measures the same cases. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function git(cwd: string, args: string[]): string {
  return execFileSync("git", args, { cwd, encoding: "utf8", maxBuffer: 64 * 1024 * 1024, env: { ...process.env, GIT_CONFIG_GLOBAL: "/dev/null" } });
}

/** Hunks of a single-file unified diff as git printed it. */
function hunksOfGitDiff(text: string): BenchHunk[] {
  const hunks: BenchHunk[] = [];
  for (const line of text.split("\n")) {
    const m = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/.exec(line);
    if (m) hunks.push({ oldStart: +m[1]!, oldLines: m[2] === undefined ? 1 : +m[2], newStart: +m[3]!, newLines: m[4] === undefined ? 1 : +m[4], lines: [] });
    else if (hunks.length > 0 && /^[ +\-\\]/.test(line)) hunks.at(-1)!.lines.push(line);
  }
  return hunks;
}

function historyCases(repo: string, maxCommits: number): Case[] {
  const cases: Case[] = [];
  const commits = git(repo, ["rev-list", "--no-merges", `--max-count=${maxCommits}`, "HEAD"]).split("\n").filter(Boolean);
  for (const commit of commits) {
    const parents = git(repo, ["rev-list", "--parents", "-n", "1", commit]).trim().split(" ").slice(1);
    if (parents.length !== 1) continue;
    const files = git(repo, ["diff-tree", "-r", "--no-commit-id", "--name-only", "--diff-filter=M", parents[0]!, commit]).split("\n").filter(Boolean);
    for (const file of files) {
      const before = git(repo, ["show", `${parents[0]}:${file}`]);
      const after = git(repo, ["show", `${commit}:${file}`]);
      if (before.includes("\0") || before.length > 400_000) continue;
      const hunks = hunksOfGitDiff(git(repo, ["diff", "--no-color", "-U3", parents[0]!, commit, "--", file]));
      if (hunks.length > 0) cases.push({ source: "history", name: `${commit.slice(0, 8)}:${file}`, before, after, hunks, trailer: [] });
    }
  }
  return cases;
}

function syntheticCases(dir: string, maxFiles: number, seed: number): Case[] {
  const random = rng(seed);
  const files = readdirSync(dir)
    .filter((f) => f.endsWith(".py"))
    .sort()
    .filter((f) => statSync(path.join(dir, f)).size < 300_000)
    .slice(0, maxFiles);
  const cases: Case[] = [];
  for (const file of files) {
    const before = readFileSync(path.join(dir, file), "utf8");
    const lines = before.split("\n");
    if (lines.length < 20) continue;
    const sites = new Set<number>();
    const count = 1 + Math.floor(random() * 4);
    for (let tries = 0; sites.size < count && tries < 50; tries++) {
      const at = Math.floor(random() * (lines.length - 2));
      if (lines[at]!.trim() !== "") sites.add(at);
    }
    const edited = [...lines];
    for (const at of [...sites].sort((a, b) => b - a)) {
      const line = edited[at]!;
      const indent = /^\s*/.exec(line)![0];
      const kind = random();
      if (kind < 0.4) edited[at] = line.replace(/[A-Za-z_]\w*/, (word) => `${word}_v2`);
      else if (kind < 0.75) edited.splice(at + 1, 0, ...Array.from({ length: 1 + Math.floor(random() * 3) }, (_, i) => `${indent}_autocode_probe(${at}, ${i})`));
      else edited.splice(at, 1 + Math.floor(random() * 2));
    }
    const after = edited.join("\n");
    if (after === before) continue;
    const patch = structuredPatch(`a/${file}`, `b/${file}`, before, after, "", "", { context: 3 });
    cases.push({ source: "synthetic", name: file, before, after, hunks: patch.hunks.map((h) => ({ ...h, lines: [...h.lines] })), trailer: [] });
  }
  return cases;
}

function perturb(testCase: Case, kind: Perturbation, random: () => number): string {
  let hunks = testCase.hunks.map((h) => ({ ...h, lines: [...h.lines] }));
  let header = (h: BenchHunk) => `@@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@`;
  let prefix = { a: "a/", b: "b/" };
  if (kind === "shifted_lines") {
    // Models misstate line numbers by a few to a few dozen lines, and their counts rarely add up.
    header = (h) => {
      const shift = (random() < 0.5 ? -1 : 1) * (1 + Math.floor(random() * 40));
      const start = Math.max(1, h.oldStart + shift);
      return `@@ -${start},${h.oldLines + 2} +${start},${h.newLines + 1} @@`;
    };
  } else if (kind === "dropped_counts") {
    header = () => "@@ ... @@";
  } else if (kind === "whitespace_context") {
    hunks = hunks.map((h) => ({
      ...h,
      lines: h.lines.map((line) => {
        if (!line.startsWith(" ") || random() < 0.5) return line;
        const body = line.slice(1);
        const choice = random();
        if (choice < 0.34) return ` ${body}   `;
        if (choice < 0.67) return ` ${body.replace(/\s+$/, "")}`;
        return ` ${body.replace(/^( +)/, (m) => " ".repeat(Math.max(0, m.length - 2)))}`;
      }),
    }));
  } else if (kind === "blank_context_dropped") {
    // Models copy the code around a change but skip its empty lines: one, two or all of them; the
    // header's counts are left as they were.
    const mode = random();
    const blanks = hunks.flatMap((h, hi) => h.lines.flatMap((l, li) => (isBlankContext(l) ? [`${hi}:${li}`] : [])));
    const keep = mode < 0.34 ? blanks.length - 1 : mode < 0.67 ? blanks.length - 2 : 0;
    const dropped = new Set([...blanks].sort(() => random() - 0.5).slice(0, Math.max(1, blanks.length - Math.max(0, keep))));
    hunks = hunks.map((h, hi) => ({ ...h, lines: h.lines.filter((_, li) => !dropped.has(`${hi}:${li}`)) }));
  } else if (kind === "blank_context_added") {
    // The mirror: a blank context line the file does not have, after a non-blank context line.
    const spots = hunks.flatMap((h, hi) =>
      h.lines.flatMap((l, li) => (l.startsWith(" ") && l.trim() !== "" && !isBlankContext(h.lines[li + 1] ?? "x") ? [[hi, li] as const] : [])),
    );
    const [hi, li] = spots[Math.floor(random() * spots.length)] ?? [-1, -1];
    hunks = hunks.map((h, i) => (i === hi ? { ...h, lines: [...h.lines.slice(0, li + 1), " ", ...h.lines.slice(li + 1)] } : h));
  } else if (kind === "reordered_hunks") {
    hunks = [...hunks].reverse();
  } else if (kind === "no_prefixes") {
    prefix = { a: "", b: "" };
  }
  const file = testCase.name.includes(":") ? testCase.name.split(":")[1]! : testCase.name;
  return [`--- ${prefix.a}${file}`, `+++ ${prefix.b}${file}`, ...hunks.flatMap((h) => [header(h), ...h.lines]), ""].join("\n");
}

type Tally = { exact: number; wrong: number; refused: number; total: number };
const emptyTally = (): Tally => ({ exact: 0, wrong: 0, refused: 0, total: 0 });
function record(tally: Tally, result: string | null, expected: string): void {
  tally.total++;
  if (result === null) tally.refused++;
  else if (result === expected) tally.exact++;
  else tally.wrong++;
}

/** GNU patch as a baseline, with its default fuzz, as a person would run it; null when it is not installed. */
function gnuPatch(): { apply: (before: string, diff: string) => string | null; close: () => void } | null {
  try {
    execFileSync("patch", ["--version"], { stdio: "ignore" });
  } catch {
    console.warn("GNU patch is not installed (apt-get install patch): its baseline figures are left out");
    return null;
  }
  const dir = mkdtempSync(path.join(tmpdir(), "bench-diff-"));
  const [file, patchFile, out] = ["before.txt", "change.patch", "after.txt"].map((n) => path.join(dir, n)) as [string, string, string];
  return {
    apply(before, diff) {
      writeFileSync(file, before);
      writeFileSync(patchFile, diff);
      rmSync(out, { force: true });
      try {
        // Exit 0 only when every hunk applied; rejects are discarded, no questions asked.
        execFileSync("patch", ["--batch", "--silent", "--reject-file=-", "-o", out, "-i", patchFile, file], { cwd: dir, stdio: "ignore", timeout: 10_000 });
        return readFileSync(out, "utf8");
      } catch {
        return null;
      }
    },
    close: () => rmSync(dir, { recursive: true, force: true }),
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? 0 : sorted[Math.floor(sorted.length / 2)]!;
}

export async function benchDiff({ quick = false }: { quick?: boolean } = {}): Promise<Record<string, number>> {
  const repo = path.resolve(import.meta.dirname, "..");
  const seed = Number(process.env.BENCH_DIFF_SEED ?? 0);
  const cases = [...historyCases(repo, quick ? 20 : 500), ...syntheticCases("/usr/lib/python3.11", quick ? 25 : 400, 7 + seed)];
  const random = rng(11 + seed);
  const ours = emptyTally();
  const baseline = emptyTally();
  const byKind = new Map<Perturbation, Tally>(PERTURBATIONS.map((p) => [p, emptyTally()]));
  const jsdiffByKind = new Map<Perturbation, Tally>(PERTURBATIONS.map((p) => [p, emptyTally()]));
  const gnuByKind = new Map<Perturbation, Tally>(PERTURBATIONS.map((p) => [p, emptyTally()]));
  const gnuTally = emptyTally();
  const gnu = gnuPatch();
  const ourMs: number[] = [];
  const baselineMs: number[] = [];
  const wrong: string[] = [];

  for (const testCase of cases) {
    for (const kind of PERTURBATIONS) {
      if (!applies(testCase, kind)) continue;
      const diff = perturb(testCase, kind, random);
      let started = performance.now();
      let result: string | null = null;
      try {
        const [patch] = parseUnifiedDiff(diff);
        const outcome = patch ? applyHunks(testCase.before, patch.hunks) : null;
        result = outcome?.ok ? outcome.content : null;
      } catch {
        result = null;
      }
      ourMs.push(performance.now() - started);
      record(ours, result, testCase.after);
      record(byKind.get(kind)!, result, testCase.after);
      if (result !== null && result !== testCase.after) wrong.push(`${kind} ${testCase.name}`);

      started = performance.now();
      let base: string | null = null;
      try {
        const applied = applyPatch(testCase.before, diff);
        base = applied === false ? null : applied;
      } catch {
        base = null;
      }
      baselineMs.push(performance.now() - started);
      record(baseline, base, testCase.after);
      record(jsdiffByKind.get(kind)!, base, testCase.after);
      if (gnu) {
        const applied = gnu.apply(testCase.before, diff);
        record(gnuTally, applied, testCase.after);
        record(gnuByKind.get(kind)!, applied, testCase.after);
      }
    }
  }
  gnu?.close();
  if (wrong.length > 0) console.warn(`wrong applies:\n  ${wrong.slice(0, 20).join("\n  ")}`);

  const figures: Record<string, number> = {
    "diff.cases": cases.length,
    "diff.cases_history": cases.filter((c) => c.source === "history").length,
    "diff.cases_synthetic": cases.filter((c) => c.source === "synthetic").length,
    "diff.variants": ours.total,
    "diff.exact_rate": ours.exact / ours.total,
    "diff.wrong_apply_rate": ours.wrong / ours.total,
    "diff.refused_rate": ours.refused / ours.total,
    "diff.apply_ms_median": median(ourMs),
    "diff.baseline_jsdiff_exact_rate": baseline.exact / baseline.total,
    "diff.baseline_jsdiff_wrong_apply_rate": baseline.wrong / baseline.total,
    "diff.baseline_jsdiff_apply_ms_median": median(baselineMs),
  };
  const rate = (tally: Tally, of: "exact" | "wrong" | "refused") => (tally.total ? tally[of] / tally.total : 0);
  for (const [kind, tally] of byKind) {
    figures[`diff.exact_rate.${kind}`] = rate(tally, "exact");
    figures[`diff.wrong_apply_rate.${kind}`] = rate(tally, "wrong");
  }
  const sum = (tallies: Map<Perturbation, Tally>) =>
    BLANK_KINDS.map((k) => tallies.get(k)!).reduce((a, t) => ({ exact: a.exact + t.exact, wrong: a.wrong + t.wrong, refused: a.refused + t.refused, total: a.total + t.total }), emptyTally());
  const blank = sum(byKind);
  figures["diff.blank_context_variants"] = blank.total;
  figures["diff.blank_context_exact_rate"] = rate(blank, "exact");
  figures["diff.blank_context_wrong_apply_rate"] = rate(blank, "wrong");
  figures["diff.baseline_jsdiff_blank_context_exact_rate"] = rate(sum(jsdiffByKind), "exact");
  figures["diff.baseline_jsdiff_blank_context_wrong_apply_rate"] = rate(sum(jsdiffByKind), "wrong");
  for (const kind of BLANK_KINDS) figures[`diff.baseline_jsdiff_exact_rate.${kind}`] = rate(jsdiffByKind.get(kind)!, "exact");
  if (gnu) {
    figures["diff.baseline_gnu_patch_exact_rate"] = rate(gnuTally, "exact");
    figures["diff.baseline_gnu_patch_wrong_apply_rate"] = rate(gnuTally, "wrong");
    figures["diff.baseline_gnu_patch_blank_context_exact_rate"] = rate(sum(gnuByKind), "exact");
    figures["diff.baseline_gnu_patch_blank_context_wrong_apply_rate"] = rate(sum(gnuByKind), "wrong");
    for (const kind of PERTURBATIONS) {
      figures[`diff.baseline_gnu_patch_exact_rate.${kind}`] = rate(gnuByKind.get(kind)!, "exact");
      figures[`diff.baseline_gnu_patch_wrong_apply_rate.${kind}`] = rate(gnuByKind.get(kind)!, "wrong");
    }
  }
  return figures;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const figures = await benchDiff({ quick: process.argv.includes("--quick") });
  for (const [name, value] of Object.entries(figures)) console.log(`${name.padEnd(44)} ${Number.isInteger(value) ? value : value.toFixed(4)}`);
}
