import { describe, expect, it } from "vitest";
import { parseUnifiedDiff } from "./parse-diff";
import { applyDiff, ok } from "./diff-fixtures";
import { applyHunks, contentOfNewFile, deletionMatches, splitText } from "./place-hunks";

const numbered = (n: number, from = 1) => Array.from({ length: n }, (_, i) => `line ${i + from}`).join("\n") + "\n";


const source = [
  "def greet(name):",
  "    message = 'hello ' + name",
  "    print(message)",
  "    return message",
  "",
  "",
  "def farewell(name):",
  "    message = 'bye ' + name",
  "    print(message)",
  "    return message",
  "",
].join("\n");

describe("applyHunks", () => {
  it("applies an exact diff", () => {
    const diff = `--- a/greet.py
+++ b/greet.py
@@ -1,4 +1,4 @@
 def greet(name):
-    message = 'hello ' + name
+    message = 'hi ' + name
     print(message)
     return message
`;
    expect(ok(applyDiff(source, diff))).toBe(source.replace("'hello '", "'hi '"));
  });

  it("places a hunk whose header has wrong line numbers and counts", () => {
    const diff = `--- greet.py
+++ greet.py
@@ -40,2 +41,9 @@
 def farewell(name):
-    message = 'bye ' + name
+    message = 'goodbye ' + name
     print(message)
`;
    expect(ok(applyDiff(source, diff))).toBe(source.replace("'bye '", "'goodbye '"));
  });

  it("accepts headers without numbers (@@ ... @@)", () => {
    const diff = `--- a/greet.py
+++ b/greet.py
@@ ... @@
 def farewell(name):
-    message = 'bye ' + name
+    message = 'ciao ' + name
`;
    expect(ok(applyDiff(source, diff))).toBe(source.replace("'bye '", "'ciao '"));
  });

  it("applies hunks given out of order", () => {
    const content = numbered(40);
    const diff = `--- a/f.txt
+++ b/f.txt
@@ -30,3 +30,3 @@
 line 29
-line 30
+LINE THIRTY
 line 31
@@ -5,3 +5,3 @@
 line 4
-line 5
+LINE FIVE
 line 6
`;
    expect(ok(applyDiff(content, diff))).toBe(content.replace("line 30\n", "LINE THIRTY\n").replace("line 5\n", "LINE FIVE\n"));
  });

  it("tolerates an indentation shift and re-indents the added lines by the same prefix", () => {
    const content = "class A:\n    def f(self):\n        x = 1\n        return x\n";
    // The model wrote the method as if at top level: every old line is 4 spaces short.
    const diff = "--- a/a.py\n+++ b/a.py\n@@ -2,3 +2,3 @@\n def f(self):\n-    x = 1\n+    x = 2\n     return x\n";
    expect(ok(applyDiff(content, diff))).toBe("class A:\n    def f(self):\n        x = 2\n        return x\n");
  });

  it("keeps added lines as written when only context lines drifted, and keeps the file's context text", () => {
    const content = "def f():\n    x = 1\n    y = 2\n    return x + y\n";
    const diff = "--- a/f.py\n+++ b/f.py\n@@ -1,4 +1,4 @@\n def f():\n   x = 1\n-    y = 2\n+    y = 3\n   return x + y\n";
    expect(ok(applyDiff(content, diff))).toBe("def f():\n    x = 1\n    y = 3\n    return x + y\n");
  });

  it("tolerates trailing whitespace and tabs vs spaces in context", () => {
    const content = "a = 1  \nb =\t2\nc = 3\n";
    const diff = "--- a/x\n+++ b/x\n@@ -1,3 +1,3 @@\n a = 1\n-b = 2\n+b = 20\n c = 3\n";
    expect(ok(applyDiff(content, diff))).toBe("a = 1  \nb = 20\nc = 3\n");
  });

  it("refuses an ambiguous hunk when nothing says which copy is meant", () => {
    const content = "x = 1\nprint(x)\n\nx = 1\nprint(x)\n";
    const diff = "--- a/x\n+++ b/x\n@@ ... @@\n x = 1\n-print(x)\n+print(x + 1)\n";
    const result = applyDiff(content, diff);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.failures[0]!.code).toBe("ambiguous");
    expect(result.failures[0]!.detail).toContain("match 2 places");
    expect(result.failures[0]!.detail).toContain("lines 1, 4");
  });

  it("refuses when the stated line is equally far from two copies", () => {
    const content = numbered(10) + "dup\ndup2\n" + numbered(10, 20) + "dup\ndup2\n";
    // copies start at lines 11 and 23; the header says 17, halfway.
    const diff = "--- a/x\n+++ b/x\n@@ -17,2 +17,2 @@\n dup\n-dup2\n+changed\n";
    const result = applyDiff(content, diff);
    expect(result.ok ? "applied" : result.failures[0]!.code).toBe("ambiguous");
  });

  it("refuses when the stated line is nearer one copy but a misstatement of a few lines could mean the other", () => {
    const content = numbered(10) + "dup\ndup2\n" + numbered(12, 20) + "dup\ndup2\n" + numbered(10, 40);
    // copies start at lines 11 and 25; the header says 29: 4 lines from the second, 18 from the first.
    const diff = "--- a/x\n+++ b/x\n@@ -29,2 +29,2 @@\n dup\n-dup2\n+changed\n";
    const result = applyDiff(content, diff);
    expect(result.ok ? "applied" : result.failures[0]!.code).toBe("ambiguous");
  });

  describe("a shifted header that names the wrong copy of a repeated block (ntpath.py and imp.py, bench seed 2)", () => {
    // Two copies of one block 22 lines apart; the model's header names the second copy (stated line one off,
    // as in ntpath.py, or exactly, as in imp.py) while it meant the first.
    const block = ["try:", "    if environ is None:", "        value = fsencode(var)", "    else:", "        value = environ[var]", "except KeyError:", "    value = var"];
    const content = [...block, ...Array.from({ length: 15 }, (_, i) => `step_${i}()`), ...block, "done()"].join("\n") + "\n";
    const body = " try:\n     if environ is None:\n-        value = fsencode(var)\n+        value_v2 = fsencode(var)\n     else:\n         value = environ[var]\n except KeyError:";

    it("refuses when the header's counts do not add up to the hunk's body, wherever its line points", () => {
      for (const start of [22, 23]) {
        const result = applyDiff(content, `--- a/n.py\n+++ b/n.py\n@@ -${start},9 +${start},8 @@\n${body}\n`);
        expect(result.ok ? "applied" : result.failures[0]!.code).toBe("ambiguous");
      }
    });

    it("takes the copy a header names when its counts add up (a header written from the file)", () => {
      const result = applyDiff(content, `--- a/n.py\n+++ b/n.py\n@@ -23,6 +23,6 @@\n${body}\n`);
      const lines = ok(result).split("\n");
      expect(lines[2]).toBe("        value = fsencode(var)");
      expect(lines[24]).toBe("        value_v2 = fsencode(var)");
    });
  });

  it("uses the stated line to pick among duplicates when it is clearly nearest", () => {
    const content = "dup\ndup2\n" + numbered(50) + "dup\ndup2\n";
    const diff = "--- a/x\n+++ b/x\n@@ -51,2 +51,2 @@\n dup\n-dup2\n+changed\n";
    expect(ok(applyDiff(content, diff))).toBe("dup\ndup2\n" + numbered(50) + "dup\nchanged\n");
  });

  it("refuses a hunk it cannot find, with a message naming the missing lines and the closest region", () => {
    const diff = `--- a/greet.py
+++ b/greet.py
@@ -7,3 +7,3 @@
 def farewell(name):
-    message = 'see you ' + name
+    message = 'later ' + name
     print(message)
`;
    const result = applyDiff(source, diff);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const failure = result.failures[0]!;
    expect(failure.code).toBe("not_found");
    expect(failure.header).toBe("@@ -7,3 +7,3 @@");
    expect(failure.detail).toContain("do not exist anywhere in the file");
    expect(failure.detail).toContain("message = 'see you ' + name");
    expect(failure.detail).toContain("closest region of the file is lines 7-9");
    expect(failure.detail).toContain(`file has "    message = 'bye ' + name"`);
  });

  it("refuses overlapping hunks", () => {
    const content = numbered(10);
    const diff = "--- a/x\n+++ b/x\n@@ -2,3 +2,3 @@\n line 2\n-line 3\n+L3\n line 4\n@@ -5,2 +5,2 @@\n line 5\n-line 6\n+L6\n";
    // Adjacent hunks (lines 2-4 and 5-6) touch but do not overlap.
    expect(ok(applyDiff(content, diff))).toBe(content.replace("line 3\n", "L3\n").replace("line 6\n", "L6\n"));
    const overlapping = "--- a/x\n+++ b/x\n@@ -2,3 +2,3 @@\n line 2\n-line 3\n+L3\n line 4\n@@ -3,2 +3,2 @@\n-line 3\n+other\n line 4\n";
    const result = applyDiff(content, overlapping);
    expect(result.ok ? "applied" : result.failures[0]!.code).toBe("overlap");
  });

  it("refuses a context-free insertion into a non-empty file", () => {
    const result = applyDiff(numbered(3), "--- a/x\n+++ b/x\n@@ -3,0 +4,1 @@\n+line 4\n");
    expect(result.ok ? "applied" : result.failures[0]!.code).toBe("no_context");
  });

  it("keeps a missing final newline unless the diff says otherwise", () => {
    const content = "a\nb\nc";
    // The model forgot the "\ No newline at end of file" marker.
    expect(ok(applyDiff(content, "--- a/x\n+++ b/x\n@@ -2,2 +2,2 @@\n b\n-c\n+C\n"))).toBe("a\nb\nC");
    const withMarkers = "--- a/x\n+++ b/x\n@@ -2,2 +2,2 @@\n b\n-c\n\\ No newline at end of file\n+C\n";
    expect(ok(applyDiff(content, withMarkers))).toBe("a\nb\nC\n");
  });

  it("preserves CRLF line endings", () => {
    const content = "one\r\ntwo\r\nthree\r\n";
    expect(ok(applyDiff(content, "--- a/x\n+++ b/x\n@@ -1,3 +1,3 @@\n one\n-two\n+TWO\n three\n"))).toBe("one\r\nTWO\r\nthree\r\n");
  });

  it("treats blank lines without the leading space as blank context", () => {
    const content = "a\n\nb\nc\n";
    expect(ok(applyDiff(content, "--- a/x\n+++ b/x\n@@ -1,4 +1,4 @@\n a\n\n b\n-c\n+C\n"))).toBe("a\n\nb\nC\n");
  });
});

describe("parseUnifiedDiff", () => {
  it("reads a new file, a deletion and renames (git headers and differing ---/+++ paths)", () => {
    const diff = `Here is the change:
\`\`\`diff
diff --git a/src/new.py b/src/new.py
new file mode 100644
index 0000000..e69de29
--- /dev/null
+++ b/src/new.py
@@ -0,0 +1,2 @@
+print("new")
+x = 1
diff --git a/old.py b/old.py
deleted file mode 100644
--- a/old.py
+++ /dev/null
@@ -1 +0,0 @@
-gone = True
diff --git a/a.py b/b.py
similarity index 100%
rename from a.py
rename to b.py
--- lib/util.py
+++ lib/helpers.py
@@ -1,2 +1,2 @@
 def f():
-    return 1
+    return 2
\`\`\`
`;
    const patches = parseUnifiedDiff(diff);
    expect(patches.map((p) => [p.kind, p.oldPath, p.newPath])).toEqual([
      ["add", null, "src/new.py"],
      ["delete", "old.py", null],
      ["rename", "a.py", "b.py"],
      ["rename", "lib/util.py", "lib/helpers.py"],
    ]);
    expect(contentOfNewFile(patches[0]!.hunks)).toBe('print("new")\nx = 1\n');
    expect(deletionMatches("gone = True\n", patches[1]!.hunks)).toBe(true);
    expect(deletionMatches("gone = False\n", patches[1]!.hunks)).toBe(false);
    expect(patches[2]!.hunks).toHaveLength(0);
  });

  it("strips a/ b/ only when the diff uses them", () => {
    const [prefixed] = parseUnifiedDiff("--- a/src/x.ts\n+++ b/src/x.ts\n@@ -1 +1 @@\n-a\n+b\n");
    const [bare] = parseUnifiedDiff("--- a/x.ts\n+++ a/x.ts\n@@ -1 +1 @@\n-a\n+b\n");
    expect(prefixed!.newPath).toBe("src/x.ts");
    expect(bare!.newPath).toBe("a/x.ts");
  });

  it("treats a '--- ' line inside a hunk as a removed line unless a +++ follows", () => {
    const [patch] = parseUnifiedDiff("--- a/q.sql\n+++ b/q.sql\n@@ -1,2 +1,2 @@\n--- a comment\n+-- new comment\n select 1;\n");
    expect(patch!.hunks[0]!.lines).toEqual(["--- a comment", "+-- new comment", " select 1;"]);
  });

  it("reads several files and keeps the original hunk headers for messages", () => {
    const patches = parseUnifiedDiff("--- x\n+++ x\n@@ -9,9 +9,9 @@ def f\n-a\n+b\n--- y\n+++ y\n@@ -1 +1 @@\n-c\n+d\n");
    expect(patches.map((p) => p.newPath)).toEqual(["x", "y"]);
    expect(patches[0]!.hunks[0]!.header).toBe("@@ -9,9 +9,9 @@ def f");
    expect(patches[0]!.hunks[0]!.statedOldStart).toBe(9);
  });
});

describe("splitText", () => {
  it("round-trips files with and without a final newline", () => {
    expect(splitText("a\nb")).toEqual({ lines: ["a", "b"], eol: "\n", finalNewline: false });
    expect(splitText("")).toEqual({ lines: [], eol: "\n", finalNewline: false });
  });
});
