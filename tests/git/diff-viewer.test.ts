import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DiffViewer } from "@/components/diff/diff-viewer";
import { languageOf, tokenize } from "@/components/diff/highlight";
import { COLLAPSE_ABOVE_ROWS, patchRowCount, patchRows } from "@/components/diff/patch-rows";
import { commitStep } from "@/server/git/commit-step";
import { diffRun, withLargePatchesHeld, type RunDiff } from "@/server/git/diff-run";
import { initRepository } from "@/server/git/init-repository";
import { createRunWorktree } from "@/server/git/run-worktree";

let dir: string;
let diff: RunDiff;
let branch: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "diff-viewer-"));
  const repo = await initRepository({ path: path.join(dir, "p") });
  const run = await createRunWorktree({ repoPath: repo.path, runId: "v1" });
  await writeFile(path.join(run.worktreePath, "app.py"), "def main():\n    # greet\n    return 'hi'\n");
  await commitStep({ worktreePath: run.worktreePath, message: "add app" });
  diff = await diffRun({ repoPath: repo.path, ...run });
  branch = run.branch;
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("diff viewer", () => {
  it("numbers the lines of a real run diff", () => {
    const rows = patchRows(diff.files[0]!.patch);
    expect(rows.map((r) => [r.kind, "newLine" in r ? r.newLine : null, r.text])).toEqual([
      ["hunk", null, "@@ -0,0 +1,3 @@"],
      ["added", 1, "def main():"],
      ["added", 2, "    # greet"],
      ["added", 3, "    return 'hi'"],
    ]);
    const modified = patchRows("diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -10,3 +10,3 @@\n a\n-b\n+B\n c\n\\ No newline at end of file\n");
    expect(modified.map((r) => [r.kind, "oldLine" in r ? r.oldLine : "-", "newLine" in r ? r.newLine : "-"])).toEqual([
      ["hunk", "-", "-"],
      ["context", 10, 10],
      ["removed", 11, "-"],
      ["added", "-", 11],
      ["context", 12, 12],
      ["note", "-", "-"],
    ]);
  });

  it("highlights keywords, strings, numbers and comments", () => {
    expect(tokenize("def f(x): return 'a#b' + 42  # done", languageOf("m.py"))).toEqual([
      { kind: "keyword", text: "def" },
      { kind: "plain", text: " f(x): " },
      { kind: "keyword", text: "return" },
      { kind: "plain", text: " " },
      { kind: "string", text: "'a#b'" },
      { kind: "plain", text: " + " },
      { kind: "number", text: "42" },
      { kind: "plain", text: "  " },
      { kind: "comment", text: "# done" },
    ]);
  });

  it("renders file headers with counts as toggle buttons", () => {
    const html = renderToStaticMarkup(createElement(DiffViewer, { files: diff.files }));
    expect(html).toContain('aria-expanded="true"');
    expect(html).toContain("app.py");
    expect(html).toContain('aria-label="3 added"');
    expect(html).toContain('data-kind="added"');
    const collapsed = renderToStaticMarkup(createElement(DiffViewer, { files: diff.files, collapseAbove: 1 }));
    expect(collapsed).toContain('aria-expanded="false"');
    expect(collapsed).toMatch(/<div id="[^"]+" hidden=""><\/div>/);
    // A collapsed file renders none of its lines.
    expect(collapsed).not.toContain("<tr");
  });

  it("renders a window of a long file's rows, with a spacer standing in for the rest", () => {
    const lines = Array.from({ length: 5000 }, (_, i) => `+x_${i} = ${i}`);
    const patch = `diff --git a/big.py b/big.py\n--- /dev/null\n+++ b/big.py\n@@ -0,0 +1,5000 @@\n${lines.join("\n")}\n`;
    const file = { path: "big.py", status: "added" as const, added: 5000, removed: 0, binary: false, patch };
    const html = renderToStaticMarkup(createElement(DiffViewer, { files: [file], collapseAbove: 10_000 }));
    const rows = html.match(/<tr[^>]*data-row="/g) ?? [];
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.length).toBeLessThanOrEqual(40);
    expect(html).toContain('data-rows="5001"');
    expect(html).toMatch(/data-spacer=""[^]*height:\d+px/);
    expect(html).not.toContain("x_4999");
  });

  it("holds back the patch of a file the page shows collapsed", () => {
    const lines = Array.from({ length: COLLAPSE_ABOVE_ROWS + 5 }, (_, i) => `+y_${i} = ${i}`);
    const patch = `diff --git a/big.py b/big.py\n--- /dev/null\n+++ b/big.py\n@@ -0,0 +1,${lines.length} @@\n${lines.join("\n")}\n`;
    expect(patchRowCount(patch)).toBe(patchRows(patch).length);
    expect(patchRowCount(diff.files[0]!.patch)).toBe(patchRows(diff.files[0]!.patch).length);
    const big = { path: "big.py", status: "added" as const, added: lines.length, removed: 0, binary: false, patch };
    const page = withLargePatchesHeld({ ...diff, files: [...diff.files, big] });
    expect(page.files.map((f) => [f.path, f.held ?? false, f.patch.length > 0])).toEqual([["app.py", false, true], ["big.py", true, false]]);
    // Nothing to hold: the same diff.
    expect(withLargePatchesHeld(diff)).toBe(diff);
    // The held file starts collapsed, as the whole one would (e2e/big-run.spec.ts opens it).
    const held = { load: () => undefined, retry: () => undefined, pending: false, error: null };
    const html = renderToStaticMarkup(createElement(DiffViewer, { files: page.files, held }));
    expect(html.match(/aria-expanded="false"/g)).toHaveLength(1);
    expect(html.match(/aria-expanded="true"/g)).toHaveLength(1);
    // Opened while its patch is on the way, then after the load failed: the reason and a way to try again.
    const opened = new Map([["big.py", true]]);
    expect(renderToStaticMarkup(createElement(DiffViewer, { files: page.files, held, remembered: opened }))).toContain("Loading the file&#x27;s changes…");
    const failed = renderToStaticMarkup(createElement(DiffViewer, { files: page.files, held: { ...held, error: "the server is busy" }, remembered: opened }));
    expect(failed).toMatch(/role="alert"[^]*could not be loaded: the server is busy[^]*<button type="button"[^>]*>Try again<\/button>/);
    const retrying = renderToStaticMarkup(createElement(DiffViewer, { files: page.files, held: { ...held, error: "the server is busy", pending: true }, remembered: opened }));
    expect(retrying).toMatch(/<button type="button" disabled=""[^>]*>Trying again…<\/button>/);
  });

  it("keeps a diff of two commits: asked again, it answers without git", async () => {
    const again = await diffRun({ repoPath: path.join(dir, "p"), branch, baseCommit: diff.baseCommit });
    expect(again).toBe(diff);
  });
});
