import { describe, expect, it } from "vitest";
import { harnessReason, namedHarnessFiles, restoredHarnessContent } from "./harness-files";

const none = { before: null, after: null };

describe("the test harness, named in one place", () => {
  it.each(["conftest.py", "tests/conftest.py", "pytest.ini", "tox.ini", "sitecustomize.py", "usercustomize.py", "evil.pth", "tests/__init__.py", "vitest.config.ts", "vite.config.mjs", "jest.config.js"])("%s is harness", (file) => {
    expect(harnessReason(file, none)).not.toBeNull();
  });

  it.each(["calc.py", "test_calc.py", "pkg/__init__.py", "src/setup.ts", "README.md"])("%s is not", (file) => {
    expect(harnessReason(file, none)).toBeNull();
  });

  it("setup.cfg and pyproject.toml only with a pytest section (before or after)", () => {
    expect(harnessReason("pyproject.toml", { before: "[project]\nname='x'\n", after: "[project]\nname='y'\n" })).toBeNull();
    expect(harnessReason("pyproject.toml", { before: null, after: "[tool.pytest.ini_options]\ntestpaths=['x']\n" })).toMatch(/pytest section/);
    expect(harnessReason("setup.cfg", { before: "[tool:pytest]\naddopts=-q\n", after: "" })).toMatch(/pytest section/);
  });

  it("package.json only when its test script changes", () => {
    const pkg = (test: string) => JSON.stringify({ name: "x", scripts: { test } });
    expect(harnessReason("package.json", { before: pkg("vitest run"), after: pkg("vitest run") })).toBeNull();
    expect(harnessReason("package.json", { before: pkg("vitest run"), after: pkg("exit 0") })).toMatch(/test script/);
  });

  it("plugins and setup files the configuration names", () => {
    const named = namedHarnessFiles(["[pytest]\naddopts = -p myplugins.hooks -p no:cacheprovider\n", "pytest_plugins = ['helpers.fix']", "export default { test: { setupFiles: ['./test/setup.ts'] } }"]);
    expect(named.sort()).toEqual(["helpers/fix.py", "myplugins/hooks.py", "test/setup.ts"]);
    expect(harnessReason("test/setup.ts", { ...none, named })).toMatch(/named by the test configuration/);
  });

  it("restoring package.json keeps the branch's dependencies and puts back the base's test script", () => {
    const restored = restoredHarnessContent("package.json", JSON.stringify({ scripts: { test: "vitest run" } }), JSON.stringify({ dependencies: { a: "1" }, scripts: { test: "exit 0" } }));
    expect(JSON.parse(restored!)).toEqual({ dependencies: { a: "1" }, scripts: { test: "vitest run" } });
    expect(restoredHarnessContent("conftest.py", null, "x")).toBeNull();
  });
});
