import { mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { applyEdits } from "./apply-edits";

let root: string;
let outside: string;

beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), "apply-edits-"));
  outside = await mkdtemp(path.join(tmpdir(), "apply-edits-outside-"));
  await mkdir(path.join(root, "src"));
  await mkdir(path.join(root, ".git"));
  await writeFile(path.join(root, "src/app.py"), "def main():\n    print('hi')\n    return 0\n");
  await writeFile(path.join(root, "README.md"), "# Demo\n");
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
  await rm(outside, { recursive: true, force: true });
});

const read = (rel: string) => readFile(path.join(root, rel), "utf8");
const exists = (rel: string) => stat(path.join(root, rel)).then(() => true, () => false);

describe("applyEdits", () => {
  it("applies writes, patches, deletions and renames and reports each change", async () => {
    const result = await applyEdits({
      root,
      edits: [
        { kind: "write", path: "src/new/util.py", content: "X = 1\nY = 2\n" },
        {
          kind: "patch",
          diff: "--- src/app.py\n+++ src/app.py\n@@ -2,2 +2,3 @@\n     print('hi')\n+    print('there')\n     return 0\n",
        },
        { kind: "patch", diff: "diff --git a/README.md b/DOCS.md\nsimilarity index 100%\nrename from README.md\nrename to DOCS.md\n" },
      ],
    });
    expect(result).toEqual({
      ok: true,
      changes: [
        { path: "DOCS.md", oldPath: "README.md", kind: "renamed", added: 0, removed: 0 },
        { path: "src/app.py", kind: "modified", added: 1, removed: 0 },
        { path: "src/new/util.py", kind: "added", added: 2, removed: 0 },
      ],
    });
    expect(await read("src/app.py")).toBe("def main():\n    print('hi')\n    print('there')\n    return 0\n");
    expect(await read("src/new/util.py")).toBe("X = 1\nY = 2\n");
    expect(await read("DOCS.md")).toBe("# Demo\n");
    expect(await exists("README.md")).toBe(false);

    const deletion = await applyEdits({ root, edits: [{ kind: "patch", diff: "--- a/DOCS.md\n+++ /dev/null\n@@ -1 +0,0 @@\n-# Demo\n" }] });
    expect(deletion).toEqual({ ok: true, changes: [{ path: "DOCS.md", kind: "deleted", added: 0, removed: 1 }] });
    expect(await exists("DOCS.md")).toBe(false);
  });

  it("writes nothing when any edit in the batch fails, and explains the failure for the model", async () => {
    const result = await applyEdits({
      root,
      edits: [
        { kind: "write", path: "src/other.py", content: "ok = True\n" },
        { kind: "patch", diff: "--- a/src/app.py\n+++ b/src/app.py\n@@ -1,3 +1,3 @@\n def main():\n-    print('hello')\n+    print('bye')\n" },
      ],
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(await exists("src/other.py")).toBe(false);
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]).toMatchObject({ code: "not_found", editIndex: 1, path: "src/app.py", hunk: "@@ -1,3 +1,3 @@", hunkIndex: 0, hunkCount: 1 });
    expect(result.modelMessage).toContain("None of your edits were applied");
    expect(result.modelMessage).toContain("src/app.py: hunk 1 of 1 (@@ -1,3 +1,3 @@) could not be applied");
    expect(result.modelMessage).toContain("print('hello')");
    expect(result.modelMessage).toContain("closest region of the file is lines 1-2");
  });

  it("refuses to create a file that exists, patch one that does not, or rename onto an existing file", async () => {
    const result = await applyEdits({
      root,
      edits: [
        { kind: "patch", diff: "--- /dev/null\n+++ b/README.md\n@@ -0,0 +1 @@\n+# New\n" },
        { kind: "patch", diff: "--- a/missing.py\n+++ b/missing.py\n@@ -1 +1 @@\n-a\n+b\n" },
        { kind: "patch", diff: "--- a/README.md\n+++ b/src/app.py\n@@ -1 +1 @@\n-# Demo\n+# Demo!\n" },
      ],
    });
    expect(result.ok ? [] : result.errors.map((e) => e.code)).toEqual(["file_exists", "missing_file", "file_exists"]);
  });

  it.each([
    ["an absolute path", "/etc/passwd", "absolute paths"],
    ["a .. segment", "src/../../escape.txt", "'..'"],
    ["the .git directory", ".git/hooks/pre-commit", ".git"],
    ["a nested .git", "src/.GIT/config", ".git"],
  ])("refuses %s", async (_label, target, reason) => {
    const result = await applyEdits({ root, edits: [{ kind: "write", path: target, content: "x" }] });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors[0]!.code).toBe("path");
    expect(result.errors[0]!.message).toContain(reason);
  });

  it("refuses writes through a symlink that leads out of the working copy, in a diff too", async () => {
    await symlink(outside, path.join(root, "link-out"));
    await writeFile(path.join(outside, "victim.txt"), "safe\n");
    await symlink(path.join(outside, "victim.txt"), path.join(root, "victim-link.txt"));
    const result = await applyEdits({
      root,
      edits: [
        { kind: "write", path: "link-out/new.txt", content: "pwned" },
        { kind: "patch", diff: "--- a/victim-link.txt\n+++ b/victim-link.txt\n@@ -1 +1 @@\n-safe\n+pwned\n" },
      ],
    });
    expect(result.ok ? [] : result.errors.map((e) => [e.code, e.message])).toEqual([
      ["path", "link-out/new.txt: refused: the path leads outside the project through a symbolic link."],
      ["path", "victim-link.txt: refused: the path leads outside the project through a symbolic link."],
    ]);
    expect(await readFile(path.join(outside, "victim.txt"), "utf8")).toBe("safe\n");
    expect(await stat(path.join(outside, "new.txt")).then(() => true, () => false)).toBe(false);
  });

  it("refuses a symlink inside the tree that points into .git", async () => {
    await symlink(path.join(root, ".git"), path.join(root, "sneaky"));
    const result = await applyEdits({ root, edits: [{ kind: "write", path: "sneaky/config", content: "x" }] });
    expect(result.ok ? "ok" : result.errors[0]!.message).toContain("leads into .git");
  });

  it("reports an unreadable diff as a parse error for the model", async () => {
    const result = await applyEdits({ root, edits: [{ kind: "patch", diff: "I changed app.py to print bye." }] });
    expect(result.ok ? "ok" : result.errors[0]!.code).toBe("parse");
  });
});
