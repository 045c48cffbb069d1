import { describe, expect, it } from "vitest";
import { applyDiff, ok } from "./diff-fixtures";
import type { PatchOutcome } from "./place-hunks";

function applyBodies(content: string, hunkBodies: string[], header = "@@ ... @@") {
  return applyDiff(content, ["--- a/m.py", "+++ b/m.py", ...hunkBodies.flatMap((body) => [header, body]), ""].join("\n"));
}

function failure(result: PatchOutcome) {
  if (result.ok) throw new Error(`applied:\n${result.content}`);
  return result.failures[0]!;
}

const source = [
  "import os",
  "",
  "def a():",
  "    x = 1",
  "",
  "    return x",
  "",
  "",
  "def b():",
  "    y = 2",
  "",
  "    return y",
  "",
].join("\n");

describe("hunks whose context lost or gained blank lines", () => {
  it("places a hunk that lost one blank context line, keeping the file's blank line", () => {
    const result = applyBodies(source, [" def a():\n     x = 1\n-    return x\n+    return x + 1"]);
    expect(ok(result)).toBe(source.replace("return x\n", "return x + 1\n"));
    expect(result.ok && result.placements[0]!.level).toBe("blank_lines");
  });

  it("places a hunk that lost two blank lines in a row", () => {
    const result = applyBodies(source, ["     return x\n def b():\n-    y = 2\n+    y = 3"]);
    expect(ok(result)).toBe(source.replace("y = 2", "y = 3"));
  });

  it("places a hunk that lost every blank line, with line numbers and counts as they were", () => {
    const body = " import os\n def a():\n     x = 1\n-    return x\n+    return -x\n def b():\n     y = 2\n     return y";
    const diff = ["--- a/m.py", "+++ b/m.py", "@@ -1,12 +1,12 @@", body, ""].join("\n");
    expect(ok(applyDiff(source, diff))).toBe(source.replace("return x\n", "return -x\n"));
  });

  it("ignores a blank context line the file does not have (the mirror slip)", () => {
    const result = applyBodies(source, [" def b():\n \n-    y = 2\n+    y = 4\n \n     return y"]);
    expect(ok(result)).toBe(source.replace("y = 2", "y = 4"));
  });

  it("puts added lines among blank lines where only one reading avoids piling blank lines up", () => {
    // The new function ends with its own blank line, so it goes after the file's blank line, not before it.
    const result = applyBodies(source, ["     return x\n+def between():\n+    pass\n+\n+\n def b():"]);
    expect(ok(result)).toBe(source.replace("    return x\n\n\n", "    return x\n\n\ndef between():\n    pass\n\n\n"));
  });

  it("refuses added lines that could sit on either side of a blank line the hunk left out", () => {
    // After `x = 1` the file has a blank line; `+    z = 0` could go before or after it.
    const detail = failure(applyBodies(source, [" def a():\n     x = 1\n+    z = 0\n     return x"])).detail;
    expect(detail).toContain("leaves out blank lines next to the lines it adds");
    expect(detail).toContain("lines 3-6 (blank lines included):\n      3 | def a():\n      4 |     x = 1\n      5 | \n      6 |     return x");
  });

  it("refuses added lines between blank lines when the hunk has more blank lines than the file there", () => {
    // Which of the hunk's three blank lines is the one the file lacks decides where `z = 0` goes.
    const content = "x = 1\n\n\ny = 2\n";
    expect(failure(applyBodies(content, [" x = 1\n \n+z = 0\n \n \n y = 2"])).code).toBe("ambiguous");
  });

  it("refuses a hunk that, blank lines ignored, matches two places", () => {
    const content = "def f():\n    x = 1\n\n    print(x)\n\ndef g():\n    x = 1\n\n    print(x)\n";
    const result = applyBodies(content, ["     x = 1\n-    print(x)\n+    print(x + 1)"]);
    const fail = failure(result);
    expect(fail.code).toBe("ambiguous");
    expect(fail.detail).toContain("match 2 places");
  });

  it("uses the stated line to choose among places that match with blank lines ignored", () => {
    const content = "def f():\n    x = 1\n\n    print(x)\n" + "pass\n".repeat(40) + "def g():\n    x = 1\n\n    print(x)\n";
    const result = applyBodies(content, ["     x = 1\n-    print(x)\n+    print(x + 1)"], "@@ -46,3 +46,3 @@");
    expect(ok(result)).toBe(content.replace(/print\(x\)\n$/, "print(x + 1)\n"));
  });

  it("does not take another copy that matches exactly only because it lacks the blank lines the hunk lost (bisect.py)", () => {
    // The first docstring runs straight into `if key is None:`; the second, which the hunk changes, has a blank line there.
    const doc = ["    Optional args lo and hi bound the", "    slice of a to be searched."];
    const content = ["def insort_right(a, x):", ...doc, '    """', "    if key is None:", "        lo = 0", ...Array.from({ length: 25 }, (_, i) => `    lo += ${i}`), "", "def insort_left(a, x):", ...doc, '    """', "", "    if key is None:", "        lo = 1", ""].join("\n");
    const body = `${doc.map((l) => " " + l).join("\n")}\n+    _probe()\n     """\n     if key is None:`;
    // The header's counts are the hunk's own plus the blank line it lost: it names the second docstring.
    const result = applyBodies(content, [body], "@@ -34,5 +34,6 @@");
    expect(ok(result)).toBe(content.replace('bound the\n    slice of a to be searched.\n    """\n\n', 'bound the\n    slice of a to be searched.\n    _probe()\n    """\n\n'));
    expect(ok(result).indexOf("_probe")).toBeGreaterThan(content.indexOf("insort_left"));
    // Without counts nothing says which copy: refused rather than the exact match taken.
    expect(failure(applyBodies(content, [body])).code).toBe("ambiguous");
  });

  it("refuses added lines after a removed line when the blank line the hunk lost may sit among them (server.ts)", () => {
    const ts = ["async function main() {", "  const boot = await start();", "  const { port } = boot.env;", "", "  const app = next({ port });", "}", ""].join("\n");
    const added = ["+  stops.push(() => boot.stop());", '+  health.set("database", "ok");', "+  const [{ default: next }] = await Promise.all([", '+    import("next"),', "+  ]);"];
    const body = ["   const boot = await start();", "-  const { port } = boot.env;", ...added, "   const app = next({ port });"].join("\n");
    const fail = failure(applyBodies(ts, [body]));
    expect(fail.code).toBe("ambiguous");
    expect(fail.detail).toContain("leaves out blank lines next to the lines it adds");
    // A definition below keeps the blank line before it, wherever else the added lines might break.
    const src = ["const boot = await start();", "const { port } = boot.env;", "", "function serve() {}", ""].join("\n");
    const defBody = [" const boot = await start();", "-const { port } = boot.env;", "+stops.push(() => boot.stop());", '+health.set("database", "ok");', " function serve() {}"].join("\n");
    expect(ok(applyBodies(src, [defBody]))).toBe(src.replace("const { port } = boot.env;\n", 'stops.push(() => boot.stop());\nhealth.set("database", "ok");\n'));
    // Lines of one kind replacing the removed one run together: the file's blank line stays after them.
    const imports = ["import { env } from './env';", "import { start } from './box';", "", "const DELAY = 5;", ""].join("\n");
    const replaced = " import { env } from './env';\n-import { start } from './box';\n+import { docker } from './docker';\n+import { start, remove } from './box';\n const DELAY = 5;";
    expect(ok(applyDiff(imports, `--- a/w.ts\n+++ b/w.ts\n@@ ... @@\n${replaced}\n`))).toBe(imports.replace("import { start } from './box';", "import { docker } from './docker';\nimport { start, remove } from './box';"));
  });

  it("removes lines next to blank lines and keeps the blank lines the hunk does not remove", () => {
    const content = "a = 1\n\nb = 2\nc = 3\n\nd = 4\n";
    expect(ok(applyBodies(content, [" a = 1\n-b = 2\n-c = 3\n d = 4"]))).toBe("a = 1\n\n\nd = 4\n");
  });

  it("removes a blank line the hunk removes even when it lost another one", () => {
    const content = "a = 1\n\n\nb = 2\n";
    expect(ok(applyBodies(content, [" a = 1\n-\n b = 2"]))).toBe("a = 1\n\nb = 2\n");
  });

  it("keeps a blank line between two removed blocks when the hunk does not remove it", () => {
    // git writes "-a", " ", "-b" when the blank line stays; without its context line the hunk reads the same.
    const content = "keep = 1\n\ndef old():\n    pass\n\ndef older():\n    pass\n\nlast = 2\n";
    const body = " keep = 1\n-def old():\n-    pass\n-def older():\n-    pass\n last = 2";
    expect(ok(applyBodies(content, [body]))).toBe("keep = 1\n\n\n\nlast = 2\n");
  });

  it("reads a hunk of a Markdown file whose lines hold code fences as body lines, inside a fenced diff", () => {
    const content = "# Use\n\n```bash\nrun --old\n```\n\nEnd.\n";
    const diff = "```diff\n--- a/README.md\n+++ b/README.md\n@@ -3,3 +3,3 @@\n ```bash\n-run --old\n+run --new\n ```\n```\n";
    expect(ok(applyDiff(content, diff))).toBe(content.replace("--old", "--new"));
  });

  it("keeps CRLF line endings and the file's blank lines", () => {
    const crlf = source.replace(/\n/g, "\r\n");
    const result = applyBodies(crlf, [" def a():\r\n     x = 1\r\n-    return x\r\n+    return x + 1"]);
    expect(ok(result)).toBe(crlf.replace("return x\r\n", "return x + 1\r\n"));
  });

  it("shows the closest region with its blank lines when the hunk still cannot be placed", () => {
    const fail = failure(applyBodies(source, [" def a():\n     x = 100\n-    return x\n+    return x + 1"]));
    expect(fail.code).toBe("not_found");
    expect(fail.detail).toContain("closest region of the file is lines 3-6 (blank lines included)");
    expect(fail.detail).toContain("     5 | \n");
    expect(fail.detail).toContain('hunk expects "    x = 100", file has "    x = 1"');
    expect(fail.detail).toContain("The file has 1 blank line(s) in this region and the hunk's context has 0");
  });

  describe("added lines beside a blank line the hunk left out: the code's structure chooses the side", () => {
    it("indentation: a statement at the body's indentation stays in the function above", () => {
      const result = applyBodies(source, ["     return x\n+    log(x)\n def b():"]);
      expect(ok(result)).toBe(source.replace("    return x\n", "    return x\n    log(x)\n"));
    });

    it("a definition below keeps its blank line: an import goes with the imports above", () => {
      const result = applyBodies(source, [" import os\n+import sys\n def a():"]);
      expect(ok(result)).toBe(source.replace("import os\n", "import os\nimport sys\n"));
    });

    it("added lines ending in a comment document what follows them", () => {
      const ts = "const a = 1;\n\nexport const b = 2;\n";
      const result = applyDiff(ts, "--- a/m.ts\n+++ b/m.ts\n@@ ... @@\n const a = 1;\n+/** The second. */\n export const b = 2;\n");
      expect(ok(result)).toBe("const a = 1;\n\n/** The second. */\nexport const b = 2;\n");
    });

    it("a line like the one above goes with it; a blank line the model added to the context is dropped", () => {
      const ts = "const a = 1;\nconst b = 2;\n\nrun(a, b);\n";
      const result = applyDiff(ts, "--- a/m.ts\n+++ b/m.ts\n@@ ... @@\n const b = 2;\n \n+const c = 3;\n \n run(a, b);\n");
      expect(ok(result)).toBe("const a = 1;\nconst b = 2;\nconst c = 3;\n\nrun(a, b);\n");
    });

    it("refuses, showing the region with its blank lines, when the structure does not say", () => {
      const py = "a = 1\n\nb = 2\n";
      const fail = failure(applyDiff(py, "--- a/m.py\n+++ b/m.py\n@@ ... @@\n a = 1\n+c = 3\n b = 2\n"));
      expect(fail.code).toBe("ambiguous");
      expect(fail.detail).toContain("leaves out blank lines next to the lines it adds");
      expect(fail.detail).toMatch(/2 \| \n/);
    });
  });
});
