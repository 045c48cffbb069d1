import path from "node:path";
import type { SuiteCommand } from "@/server/sandbox/types";

/** What the agents and the step runs know about the repository's language and tests (from its environment). */
export interface RepoProfile {
  language: "python" | "node" | "none";
  framework: "pytest" | "vitest" | "jest" | "node:test" | "none";
  testCommand: SuiteCommand | null;
  /** The repository's own test files at the base commit: never overwritten, never shadowed. */
  testFiles: string[];
  testDirs: string[];
}

/** Today's behaviour for a project without an environment: Python, pytest, tests beside the module. */
export const DEFAULT_PROFILE: RepoProfile = { language: "python", framework: "pytest", testCommand: null, testFiles: [], testDirs: [] };

const PY_TEST = /(^|\/)(test_[^/]*|[^/]*_test)\.py$/;
const JS_TEST = /(^|\/)(__tests__\/[^/]+|[^/]+\.(test|spec)\.[cm]?[jt]sx?)$/;
const JS_CODE = /\.([cm]?[jt]sx?)$/;

export function isTestPath(file: string, profile: RepoProfile): boolean {
  return profile.language === "node" ? JS_TEST.test(file) : PY_TEST.test(file);
}

/** Files a code step can run tests for: Python modules, or JS/TS modules in a Node project with a framework. */
export function isTestable(file: string, profile: RepoProfile): boolean {
  if (profile.language === "node") return JS_CODE.test(file) && profile.framework !== "none" && !file.endsWith(".d.ts");
  return file.endsWith(".py");
}

/**
 * Where the tester writes the tests of a module: where the repository keeps its tests (tests/test_<module>.py,
 * src/foo.test.ts or __tests__/), under a name no existing file has; pytest also refuses two test files with the
 * same basename ("import file mismatch"), so Python names must be unique across the whole repository.
 */
export function testPathFor(codePath: string, profile: RepoProfile, taken: ReadonlySet<string> = new Set()): string {
  if (isTestPath(codePath, profile)) return codePath;
  const existing = new Set([...profile.testFiles, ...taken]);
  const dir = path.posix.dirname(codePath);
  if (profile.language === "node") {
    const match = /^(.*)\.([cm]?[jt]sx?)$/.exec(path.posix.basename(codePath));
    const [stem, ext] = match ? [match[1]!, match[2]!] : [path.posix.basename(codePath), "ts"];
    const folder = profile.testDirs.some((d) => d.endsWith("__tests__")) && !profile.testFiles.some((f) => f.startsWith(`${dir}/${stem}.`)) && profile.testDirs.includes(`${dir}/__tests__`) ? `${dir}/__tests__` : dir;
    const base = folder === "." ? "" : `${folder}/`;
    for (const suffix of ["", ".autocode", ".autocode2", ".autocode3"]) {
      const candidate = `${base}${stem}${suffix}.test.${ext}`;
      if (!existing.has(candidate)) return candidate;
    }
    return `${base}${stem}.autocode-${Date.now()}.test.${ext}`;
  }
  const module = path.posix.basename(codePath).replace(/\.py$/, "");
  const testsDir = profile.testDirs.find((d) => d === "tests" || d === "test") ?? profile.testDirs.find((d) => /(^|\/)tests?$/.test(d));
  const folder = testsDir ?? (dir === "." ? "" : dir);
  const basenames = new Set([...existing].map((f) => path.posix.basename(f)));
  for (const suffix of ["", "_autocode", "_autocode2", "_autocode3"]) {
    const name = `test_${module}${suffix}.py`;
    if (!basenames.has(name)) return folder ? `${folder}/${name}` : name;
  }
  return `${folder ? `${folder}/` : ""}test_${module}_autocode_${Date.now()}.py`;
}

/**
 * Why an edit must not happen, for the model: overwriting one of the repository's tests, or a new test file whose
 * basename another test file already has (pytest stops with "import file mismatch"). undefined: allowed.
 */
export function refuseTestEdit(edit: { path: string; kind: "write" | "patch" }, profile: RepoProfile, exists: boolean): string | undefined {
  if (edit.kind === "write" && exists && profile.testFiles.includes(edit.path)) {
    return `${edit.path} is one of the repository's own tests; it must not be overwritten. Put new tests in a new file (for example ${testPathFor(edit.path.replace(/(test_|\.test|\.spec)/, ""), profile)}) and leave the existing tests as they are.`;
  }
  if (!exists && profile.language === "python" && PY_TEST.test(edit.path)) {
    const clash = profile.testFiles.find((f) => f !== edit.path && path.posix.basename(f) === path.posix.basename(edit.path));
    if (clash) return `${edit.path} would shadow the repository's ${clash} (pytest refuses two test files with the same name). Choose a different file name.`;
  }
  return undefined;
}

/** The suite command narrowed to some test files (pytest, vitest, jest and node --test all take paths). */
export function suiteFor(command: SuiteCommand, paths: string[]): SuiteCommand {
  const quoted = paths.map((p) => `'${p.replace(/'/g, `'\\''`)}'`).join(" ");
  return { ...command, shell: paths.length ? `${command.shell} ${quoted}` : command.shell };
}

/** A few lines for the agents' prompts: language, framework, the test command, where tests live, examples. */
export function describeProfile(profile: RepoProfile, relevantTests: string[] = []): string {
  if (profile.language === "none") return "";
  const lines = [
    `Repository: ${profile.language === "node" ? "Node.js/TypeScript" : "Python"}; tests use ${profile.framework}${profile.testCommand ? ` (run as: ${profile.testCommand.shell.replace(/\s*--?[\w.-]*=?\{report\}/g, "")})` : ""}.`,
    profile.testDirs.length ? `Tests live in: ${profile.testDirs.slice(0, 8).join(", ")}.` : "The repository has no tests yet.",
  ];
  if (relevantTests.length) lines.push(`Existing tests related to this task: ${relevantTests.slice(0, 8).join(", ")}.`);
  return lines.join("\n");
}
