import { describe, expect, it } from "vitest";
import { compareWithBaseline, type BaselineRun } from "@/server/orchestrator/compare-baseline";
import { refuseTestEdit, testPathFor, type RepoProfile } from "@/server/orchestrator/test-layout";
import type { ExecutionResult } from "@/server/sandbox/types";
import { detectEnvironment } from "./detect-environment";

const read = (files: Record<string, string>) => async (file: string) => files[file] ?? null;

describe("detectEnvironment", () => {
  it("a Python src layout with requirements: installs them and the repository without build isolation", async () => {
    const files = { "pyproject.toml": "", "requirements.txt": "./vendor/x", "requirements-dev.txt": "", "src/pkg/core.py": "", "tests/test_core.py": "", "vendor/x/pyproject.toml": "" };
    const found = await detectEnvironment({ files: Object.keys(files), read: read(files) });
    expect(found).toMatchObject({ language: "python", framework: "pytest", testFiles: ["tests/test_core.py"], testDirs: ["tests"] });
    expect(found.setupScript.split("\n")).toEqual([
      expect.stringMatching(/pip install .*--no-build-isolation -r requirements-dev\.txt$/),
      expect.stringMatching(/pip install .*--no-build-isolation -r requirements\.txt$/),
      expect.stringMatching(/pip install .*--no-build-isolation -e \.$/),
    ]);
    expect(found.manifests).toEqual(["pyproject.toml", "requirements-dev.txt", "requirements.txt", "vendor/x/pyproject.toml"]);
  });

  it("Python with no manifests needs no install at all", async () => {
    const found = await detectEnvironment({ files: ["calc.py", "test_calc.py"], read: read({}) });
    expect(found).toMatchObject({ language: "python", setupScript: "", testFiles: ["test_calc.py"] });
  });

  it.each([
    [{ "package-lock.json": "" }, "npm ci --no-audit --no-fund"],
    [{ "pnpm-lock.yaml": "" }, /pnpm install --frozen-lockfile/],
    [{ "yarn.lock": "" }, /yarn install --frozen-lockfile/],
  ])("Node: the install follows the lockfile %o", async (lock, expected) => {
    const files: Record<string, string> = { "package.json": JSON.stringify({ devDependencies: { vitest: "2" } }), ...lock, "src/a.ts": "", "src/a.test.ts": "" };
    const found = await detectEnvironment({ files: Object.keys(files), read: read(files) });
    expect(found).toMatchObject({ language: "node", framework: "vitest", testFiles: ["src/a.test.ts"] });
    expect(found.setupScript).toMatch(expected);
    expect(found.testCommand?.format).toBe("junit");
  });

  it.each([
    ["a yarn.lock with berry's __metadata", { "yarn.lock": "# generated\n\n__metadata:\n  version: 8\n" }],
    [".yarnrc.yml", { "yarn.lock": "", ".yarnrc.yml": "nodeLinker: pnp\n" }],
  ])("Yarn berry by %s: yarn install --immutable, tests through yarn (Plug'n'Play); yarn 1's lockfile is not berry", async (_, lock) => {
    const files: Record<string, string> = { "package.json": JSON.stringify({ devDependencies: { vitest: "2" } }), ...lock, "src/a.test.ts": "" };
    const found = await detectEnvironment({ files: Object.keys(files), read: read(files) });
    expect(found.setupScript).toMatch(/yarn install --immutable$/);
    expect(found.setupScript).not.toMatch(/frozen-lockfile/);
    expect(found.testCommand?.shell).toMatch(/^yarn vitest run /);
    expect(found.setupScript).toMatch(/npm install -g --force @yarnpkg\/cli-dist@4\)/);
    const pinned = { ...files, "package.json": JSON.stringify({ packageManager: "yarn@4.5.3+sha512.abc", devDependencies: { vitest: "2" } }) };
    expect((await detectEnvironment({ files: Object.keys(pinned), read: read(pinned) })).setupScript).toMatch(/grep -qx '4\.5\.3' \|\| npm install -g --force @yarnpkg\/cli-dist@4\.5\.3\)/);
    const hostile = { ...files, "package.json": JSON.stringify({ packageManager: "yarn@4.5.3; rm -rf /" }) };
    expect((await detectEnvironment({ files: Object.keys(hostile), read: read(hostile) })).setupScript).not.toMatch(/rm -rf/);
    const nodeTest = { ...files, "package.json": JSON.stringify({ scripts: { test: "node --test" } }) };
    expect((await detectEnvironment({ files: Object.keys(nodeTest), read: read(nodeTest) })).testCommand?.shell).toMatch(/^yarn node --test /);
    const classic = { "package.json": files["package.json"]!, "yarn.lock": "# yarn lockfile v1\n\nms@2.1.3:\n  version \"2.1.3\"\n" };
    const yarn1 = await detectEnvironment({ files: Object.keys(classic), read: read(classic) });
    expect(yarn1.setupScript).toMatch(/yarn install --frozen-lockfile/);
    expect(yarn1.testCommand?.shell).toMatch(/^npx --no-install vitest/);
  });

  it("Node frameworks: jest writes JSON, node:test writes TAP; no recognisable language runs nothing", async () => {
    const jest = { "package.json": JSON.stringify({ devDependencies: { jest: "29" } }) };
    expect((await detectEnvironment({ files: Object.keys(jest), read: read(jest) })).testCommand?.format).toBe("jest-json");
    const nodeTest = { "package.json": JSON.stringify({ scripts: { test: "node --test" } }) };
    expect((await detectEnvironment({ files: Object.keys(nodeTest), read: read(nodeTest) })).testCommand?.format).toBe("tap");
    const none = await detectEnvironment({ files: ["README.md", "Makefile"], read: read({}) });
    expect(none).toMatchObject({ language: "none", testCommand: null, setupScript: "" });
  });
});

describe("where the tester writes, and what it may not touch", () => {
  const python: RepoProfile = { language: "python", framework: "pytest", testCommand: null, testFiles: ["tests/test_core.py", "tests/unit/test_io.py"], testDirs: ["tests", "tests/unit"] };
  const node: RepoProfile = { language: "node", framework: "vitest", testCommand: null, testFiles: ["src/math.test.ts"], testDirs: ["src"] };

  it("Python: in tests/, with a basename no existing test file has (pytest's import file mismatch)", () => {
    expect(testPathFor("src/pkg/extra.py", python)).toBe("tests/test_extra.py");
    expect(testPathFor("src/pkg/core.py", python)).toBe("tests/test_core_autocode.py");
    expect(testPathFor("src/pkg/io.py", python)).toBe("tests/test_io_autocode.py");
    expect(testPathFor("calc.py", { ...python, testFiles: [], testDirs: [] })).toBe("test_calc.py");
  });

  it("TypeScript: beside the module as src/foo.test.ts, never over an existing one", () => {
    expect(testPathFor("src/multiply.ts", node)).toBe("src/multiply.test.ts");
    expect(testPathFor("src/math.ts", node)).toBe("src/math.autocode.test.ts");
  });

  it("refuses overwriting a repository test and shadowing one by name; patches and new names pass", () => {
    expect(refuseTestEdit({ path: "tests/test_core.py", kind: "write" }, python, true)).toMatch(/must not be overwritten/);
    expect(refuseTestEdit({ path: "tests/test_core.py", kind: "patch" }, python, true)).toBeUndefined();
    expect(refuseTestEdit({ path: "test_core.py", kind: "write" }, python, false)).toMatch(/would shadow the repository's tests\/test_core\.py/);
    expect(refuseTestEdit({ path: "tests/test_new.py", kind: "write" }, python, false)).toBeUndefined();
  });
});

describe("compareWithBaseline", () => {
  const base: BaselineRun = {
    commit: "abc",
    cached: true,
    durationMs: 1,
    passed: false,
    tests: [
      { id: "t::ok", name: "ok", classname: "t", status: "passed" },
      { id: "t::old_bug", name: "old_bug", classname: "t", status: "failed" },
    ],
  };
  const now = (tests: Array<[string, ExecutionResult["tests"][number]["status"]]>, exitCode = 1): ExecutionResult => ({
    command: ["suite"],
    exitCode,
    stdout: "",
    stderr: "",
    stdoutTruncated: false,
    stderrTruncated: false,
    timedOut: false,
    oomKilled: false,
    durationMs: 1,
    tests: tests.map(([name, status]) => ({ name, classname: "t", status, durationMs: 0 })),
    summary: { passed: 0, failed: 0, errors: 0, skipped: 0 },
    passed: false,
  });

  it("an already failing test does not fail the run; new tests must pass", () => {
    const result = compareWithBaseline(base, now([["ok", "passed"], ["old_bug", "failed"], ["new", "passed"]]));
    expect(result).toMatchObject({ passed: true, regressions: [], alreadyFailing: [{ id: "t::old_bug" }], newTests: [{ id: "t::new", status: "passed" }] });
  });

  it("a test that passed on the base commit and fails now is a regression, named", () => {
    const result = compareWithBaseline(base, now([["ok", "failed"], ["old_bug", "failed"]]));
    expect(result.passed).toBe(false);
    expect(result.reason).toBe("regression: t::ok passed on the base commit and fails now");
  });

  it("a failing new test fails the run; without a baseline every failure counts", () => {
    expect(compareWithBaseline(base, now([["ok", "passed"], ["old_bug", "failed"], ["new", "failed"]])).reason).toMatch(/^new test fail: t::new/);
    expect(compareWithBaseline(null, now([["ok", "passed"], ["old_bug", "failed"]])).passed).toBe(false);
  });

  it("a non-zero exit with nothing failing in the report is never a pass", () => {
    expect(compareWithBaseline(base, now([["ok", "passed"]], 2)).passed).toBe(false);
  });
});
