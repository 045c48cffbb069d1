import path from "node:path";
import type { SuiteCommand } from "@/server/sandbox/types";

export type Language = "python" | "node" | "none";
export type TestFramework = "pytest" | "vitest" | "jest" | "node:test" | "none";

/** Files whose change means the dependencies may have changed: the environment image is rebuilt. */
export const MANIFEST_NAME = /^(requirements[^/]*\.txt|pyproject\.toml|setup\.cfg|setup\.py|package\.json|package-lock\.json|pnpm-lock\.yaml|yarn\.lock|\.yarnrc\.yml)$/;
const PY_TEST = /(^|\/)(test_[^/]*|[^/]*_test)\.py$/;
const JS_TEST = /(^|\/)(__tests__\/[^/]+\.[cm]?[jt]sx?|[^/]+\.(test|spec)\.[cm]?[jt]sx?)$/;

export interface DetectedEnvironment {
  language: Language;
  framework: TestFramework;
  /** Shell lines the setup container runs in /workspace (a copy of the repository); "" installs nothing. */
  setupScript: string;
  /** null: nothing to run (no recognisable language or test framework). */
  testCommand: SuiteCommand | null;
  manifests: string[];
  /** The repository's own test files, and the folders that hold them. */
  testFiles: string[];
  testDirs: string[];
}

const PIP = "python3 -m pip install --no-input --disable-pip-version-check --retries 0 --timeout 15 --no-build-isolation";

/**
 * Yarn berry (2+): `.yarnrc.yml`, or a yarn.lock with berry's `__metadata` header. Installed by `yarn install --immutable`
 * and, with Plug'n'Play (no node_modules), tests run through `yarn` so its loader resolves the packages.
 */
export function isYarnBerry(files: string[], yarnLock: string | null): boolean {
  return files.includes(".yarnrc.yml") || /^__metadata:/m.test(yarnLock ?? "");
}

/**
 * Yarn berry from the npm registry (@yarnpkg/cli-dist: corepack's own download is refused here, see the README), the
 * version package.json's packageManager names (another one rewrites the lockfile, which --immutable refuses), else 4;
 * a repository's committed yarnPath release is used by it. The cache and unplugged packages go to the image (outside
 * /workspace, which a run's workspace volume hides); the project's .pnp.cjs points at them by path.
 */
function yarnBerryInstall(packageManager: string | undefined): string {
  // Only a plain version reaches the shell line (the field is the repository's, i.e. untrusted input).
  const pinned = /^yarn@(\d+\.\d+\.\d+(?:-[\w.]+)?)(?:\+\S*)?$/.exec(packageManager ?? "")?.[1];
  const fetch = pinned ? `(yarn --version 2>/dev/null | grep -qx '${pinned}' || npm install -g --force @yarnpkg/cli-dist@${pinned})` : "(yarn --version 2>/dev/null | grep -q '^[2-9]' || npm install -g --force @yarnpkg/cli-dist@4)";
  return [
    fetch,
    "export YARN_ENABLE_GLOBAL_CACHE=false YARN_CACHE_FOLDER=/opt/autocode-env/yarn-cache YARN_PNP_UNPLUGGED_FOLDER=/opt/autocode-env/yarn-unplugged YARN_ENABLE_TELEMETRY=0",
    "yarn install --immutable",
  ].join(" && ");
}

/** A framework's default command; under Yarn berry through `yarn` (its Plug'n'Play loader, offline). */
export function testCommandFor(framework: TestFramework, options: { yarnBerry?: boolean } = {}): SuiteCommand | null {
  const command = defaultTestCommand(framework);
  if (!command || !options.yarnBerry) return command;
  return { ...command, shell: command.shell.replace(/^npx --no-install /, "yarn ").replace(/^node --test/, "yarn node --test") };
}

function defaultTestCommand(framework: TestFramework): SuiteCommand | null {
  switch (framework) {
    case "pytest":
      // -v, --reporter=verbose, --verbose, spec: one line per finished test, read for the run page's progress.
      return { shell: "python3 -m pytest -v -p no:cacheprovider -o junit_family=xunit1 --junitxml={report}", format: "junit" };
    case "vitest":
      return { shell: "npx --no-install vitest run --reporter=verbose --reporter=junit --outputFile.junit={report}", format: "junit" };
    case "jest":
      return { shell: "npx --no-install jest --ci --verbose --json --outputFile={report}", format: "jest-json" };
    case "node:test":
      return { shell: "node --test --test-reporter=spec --test-reporter-destination=stdout --test-reporter=tap --test-reporter-destination={report}", format: "tap" };
    default:
      return null;
  }
}

/** Which report a user's own test command writes, from the program it names. */
export function reportFormatOf(shell: string): SuiteCommand["format"] {
  if (/\bjest\b/.test(shell)) return "jest-json";
  if (/--test\b/.test(shell) && /\bnode\b/.test(shell)) return "tap";
  return "junit";
}

function isTestFile(file: string, language: Language): boolean {
  return language === "node" ? JS_TEST.test(file) && !file.includes("node_modules/") : PY_TEST.test(file);
}

/** Reads the repository the way a new teammate would: manifests, lockfiles, where the tests are. */
export async function detectEnvironment(input: { files: string[]; read: (file: string) => Promise<string | null> }): Promise<DetectedEnvironment> {
  const files = input.files.filter((f) => !f.split("/").includes("node_modules"));
  const has = (name: string) => files.includes(name);
  const manifests = files.filter((f) => MANIFEST_NAME.test(path.posix.basename(f))).sort();
  let language: Language = "none";
  let framework: TestFramework = "none";
  let yarnBerry = false;
  const lines: string[] = [];

  if (has("package.json")) {
    language = "node";
    let pkg: { dependencies?: Record<string, string>; devDependencies?: Record<string, string>; scripts?: Record<string, string>; packageManager?: string } = {};
    try {
      pkg = JSON.parse((await input.read("package.json")) ?? "{}") as typeof pkg;
    } catch {
      // An unreadable package.json is reported by npm itself in the setup log.
    }
    const deps = { ...pkg.dependencies, ...pkg.devDependencies };
    if (deps.vitest) framework = "vitest";
    else if (deps.jest) framework = "jest";
    else if (/node\s+(--[\w-]+\s+)*--test/.test(pkg.scripts?.test ?? "") || files.some((f) => JS_TEST.test(f))) framework = "node:test";
    if (has("package-lock.json") || has("npm-shrinkwrap.json")) lines.push("npm ci --no-audit --no-fund");
    // Package stores and caches in the setup's /tmp (a tmpfs): they would otherwise be committed into the image.
    else if (has("pnpm-lock.yaml")) lines.push("(corepack enable 2>/dev/null && pnpm --version >/dev/null 2>&1 || npm install -g pnpm@9) && pnpm install --frozen-lockfile --store-dir /tmp/pnpm-store");
    else if (has("yarn.lock") && (yarnBerry = isYarnBerry(files, await input.read("yarn.lock")))) lines.push(yarnBerryInstall(typeof pkg.packageManager === "string" ? pkg.packageManager : undefined));
    else if (has("yarn.lock")) lines.push("(corepack enable 2>/dev/null && yarn --version >/dev/null 2>&1 || npm install -g yarn@1) && yarn install --frozen-lockfile --non-interactive --cache-folder /tmp/yarn-cache");
    else if (Object.keys(deps).length > 0) lines.push("npm install --no-audit --no-fund");
  } else if (has("pyproject.toml") || has("setup.py") || has("setup.cfg") || files.some((f) => f.endsWith(".py") || /^requirements[^/]*\.txt$/.test(f))) {
    language = "python";
    framework = "pytest";
    for (const req of files.filter((f) => /^requirements[^/]*\.txt$/.test(f)).sort()) lines.push(`${PIP} -r ${req}`);
    // The repository itself, editable: at run time it points at /workspace, i.e. the run's own files.
    if (has("pyproject.toml") || has("setup.py")) lines.push(`${PIP} -e .`);
  }
  const testFiles = language === "none" ? [] : files.filter((f) => isTestFile(f, language)).sort();
  return {
    language,
    framework,
    setupScript: lines.join("\n"),
    testCommand: testCommandFor(framework, { yarnBerry }),
    manifests,
    testFiles,
    testDirs: [...new Set(testFiles.map((f) => path.posix.dirname(f)))].sort(),
  };
}
