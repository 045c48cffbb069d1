import path from "node:path";

/**
 * The test harness: every file that decides how tests are collected, run or reported, as opposed to the tests
 * themselves. Code under test runs inside this machinery, so a model that edits it can grade itself (a conftest
 * hook that turns failures into passes, `addopts = -p no:python`, a setup file that replaces `expect`). The one
 * list the orchestrator, the re-verification and docs/agents.md rely on.
 */
const PY_HARNESS_NAMES = new Set(["conftest.py", "pytest.ini", "tox.ini", "sitecustomize.py", "usercustomize.py"]);
const JS_CONFIG = /^(vitest|vite|jest)\.(config|workspace)\.[cm]?[jt]s(on)?$/;
const PYTEST_SECTION = /^\s*\[(tool:pytest|pytest|tool\.pytest[^\]]*)\]/m;
const TEST_DIR = /(^|\/)(tests?|testing)\//;

/** Names the harness configuration points at: pytest plugins (`-p x`, `pytest_plugins`) and JS setup files. */
export function namedHarnessFiles(configTexts: string[]): string[] {
  const named = new Set<string>();
  for (const text of configTexts) {
    for (const match of text.matchAll(/-p\s*([\w.:]+)/g)) if (!match[1]!.startsWith("no:")) named.add(`${match[1]!.replace(/\./g, "/")}.py`);
    for (const match of text.matchAll(/pytest_plugins\s*=\s*[[(]?([^\])\n]*)/g)) {
      for (const name of match[1]!.matchAll(/["']([\w.]+)["']/g)) named.add(`${name[1]!.replace(/\./g, "/")}.py`);
    }
    for (const match of text.matchAll(/(setupFiles|setupFilesAfterEnv|globalSetup)\s*:\s*(\[[^\]]*\]|["'][^"']+["'])/g)) {
      for (const file of match[2]!.matchAll(/["']([^"']+)["']/g)) named.add(path.posix.normalize(file[1]!.replace(/^<rootDir>\//, "")));
    }
  }
  return [...named];
}

function testScript(packageJson: string | null): string | null {
  if (!packageJson) return null;
  try {
    const parsed = JSON.parse(packageJson) as { scripts?: Record<string, unknown> };
    return typeof parsed.scripts?.test === "string" ? parsed.scripts.test : null;
  } catch {
    return "(unreadable package.json)";
  }
}

/**
 * Why a change to this file changes the harness, or null. `before`/`after` are the file's contents (null: absent);
 * `named` lists the files the configuration names (namedHarnessFiles).
 */
export function harnessReason(file: string, change: { before: string | null; after: string | null; named?: string[] }): string | null {
  const base = path.posix.basename(file);
  if (PY_HARNESS_NAMES.has(base)) return `${base} configures or hooks into pytest`;
  if (base.endsWith(".pth")) return ".pth files run code at interpreter start";
  if ((base === "setup.cfg" || base === "pyproject.toml") && [change.before, change.after].some((t) => t !== null && PYTEST_SECTION.test(t))) {
    return `${base} has a pytest section`;
  }
  if (base === "__init__.py" && TEST_DIR.test(file)) return "__init__.py in a test folder changes how tests are imported";
  if (JS_CONFIG.test(base)) return `${base} configures the JavaScript test runner`;
  if (base === "package.json" && testScript(change.before) !== testScript(change.after)) return "package.json's test script changed";
  if (change.named?.includes(path.posix.normalize(file))) return "named by the test configuration (plugin or setup file)";
  return null;
}

/** The harness file names to look at when collecting `named` (their contents name plugins and setup files). */
export function isHarnessConfigName(file: string): boolean {
  const base = path.posix.basename(file);
  return ["pytest.ini", "tox.ini", "setup.cfg", "pyproject.toml", "conftest.py"].includes(base) || JS_CONFIG.test(base);
}

/**
 * The branch's version of a harness file as the acceptance run must see it: the base commit's content (null: remove
 * it). package.json keeps the branch's dependencies and only gets the base's test script back.
 */
export function restoredHarnessContent(file: string, base: string | null, branch: string | null): string | null {
  if (path.posix.basename(file) !== "package.json" || base === null || branch === null) return base;
  try {
    const parsed = JSON.parse(branch) as { scripts?: Record<string, unknown> };
    const script = testScript(base);
    const scripts = { ...(parsed.scripts ?? {}) };
    if (script === null) delete scripts.test;
    else scripts.test = script;
    return `${JSON.stringify({ ...parsed, scripts }, null, 2)}\n`;
  } catch {
    return base;
  }
}
