import { describe, expect, it } from "vitest";
import { parseSuiteProgress, progressShell } from "./suite-progress";

describe("parseSuiteProgress: finished tests from each runner's per-test lines", () => {
  it("pytest -v", () => {
    const out = "collected 3 items\n\ntests/test_core.py::test_a PASSED                       [ 33%]\ntests/test_core.py::test_b[1-2] FAILED                  [ 66%]\ntests/test_core.py::test_c SKIPPED (no db)              [100%]\n";
    expect(parseSuiteProgress(out)).toEqual([
      { name: "tests/test_core.py::test_a", status: "passed" },
      { name: "tests/test_core.py::test_b[1-2]", status: "failed" },
      { name: "tests/test_core.py::test_c", status: "skipped" },
    ]);
  });

  it("vitest --reporter=verbose (file summaries are not tests), with colours", () => {
    const out = " \u001b[32m✓\u001b[39m src/math.test.ts > add > adds 2ms\n \u001b[31m×\u001b[39m src/math.test.ts > add > breaks 3ms\n ↓ src/math.test.ts > later\n ✓ src/math.test.ts (3 tests | 1 skipped) 7ms\n";
    expect(parseSuiteProgress(out)).toEqual([
      { name: "src/math.test.ts > add > adds", status: "passed" },
      { name: "src/math.test.ts > add > breaks", status: "failed" },
      { name: "src/math.test.ts > later", status: "skipped" },
    ]);
  });

  it("jest --verbose and node --test's spec reporter", () => {
    expect(parseSuiteProgress("PASS src/a.test.js\n  a\n    ✓ adds (3 ms)\n    ✕ breaks (1 ms)\n    ○ skipped later\n")).toEqual([
      { name: "adds", status: "passed" },
      { name: "breaks", status: "failed" },
      { name: "skipped later", status: "skipped" },
    ]);
    expect(parseSuiteProgress("✔ adds (0.51ms)\n✖ breaks (1.2ms)\n")).toEqual([
      { name: "adds", status: "passed" },
      { name: "breaks", status: "failed" },
    ]);
  });

  it("keeps the exit code and both streams of the wrapped command", () => {
    const { shell, files } = progressShell("pytest -q", "7");
    expect(files).toEqual(["/tmp/autocode-suite-7.out", "/tmp/autocode-suite-7.err"]);
    expect(shell).toMatch(/; s=\$\?; cat \/tmp\/autocode-suite-7\.out; cat \/tmp\/autocode-suite-7\.err >&2; rm -f .*; exit \$s$/);
  });
});
