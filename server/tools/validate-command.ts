import { AppError } from "@/server/errors";
import { validateSandboxPath } from "@/server/sandbox/validate-path";
import type { ToolName } from "./tool-step";

/** Where a tool runs: inside the run's sandbox (no network) or in a setup container that may reach it. */
export type ToolPlan =
  | { where: "sandbox"; argv: string[] }
  | { where: "tests"; testPaths: string[] }
  | { where: "setup"; setupTool: "pip-install" | "git-clone"; args: string[]; argv: string[] }
  /** A dependency change of the run's environment (manifest edit + image rebuild): the orchestrator runs it. */
  | { where: "environment"; kind: "pip" | "npm"; packages: string[]; argv: string[] };

export const SHELL_PROGRAMS = [
  "ls", "cat", "head", "tail", "wc", "grep", "find", "python3", "echo", "pwd", "diff", "sort", "uniq", "stat", "du",
] as const;

// Commands never pass through a shell, but these still reach one in a model's mind: refusing them keeps the
// intent honest and stops a plan that relies on pipes or redirection from half-working.
const SHELL_METACHARACTERS = /[;|&$`<>\n\r\0]/;

/** Options that make an allowed program run another program or write arbitrary files. */
const REFUSED_OPTIONS: Record<string, RegExp> = {
  find: /^-(exec|execdir|ok|okdir|delete|fprint|fprint0|fprintf|fls)$/,
  sort: /^--(compress-program|output)(=|$)|^-o/,
  git: /^(-c|--config|--config-env|--upload-pack|--receive-pack|--exec|-u|--template|--output)(=|$)|^-c.|^ext::/,
};

export function refuse(message: string): never {
  throw new AppError("BAD_REQUEST", message, { userMessage: message });
}

export function checkArgument(arg: unknown, program: string): string {
  if (typeof arg !== "string") refuse(`${program}: every argument must be a string`);
  if (SHELL_METACHARACTERS.test(arg)) {
    refuse(`${program}: argument ${JSON.stringify(arg)} contains a shell metacharacter (; | & $ \` > < or a newline); commands run without a shell`);
  }
  const refused = REFUSED_OPTIONS[program];
  if (refused?.test(arg)) refuse(`${program}: option ${JSON.stringify(arg)} runs other programs and is not allowed`);
  return arg;
}

function stringList(value: unknown, name: string): string[] {
  if (value === undefined) return [];
  if (typeof value === "string") return value.split(/\s+/).filter(Boolean);
  if (Array.isArray(value) && value.every((item) => typeof item === "string")) return value as string[];
  return refuse(`${name} must be a string or a list of strings`);
}

/** A value that goes where git expects a ref or path: never an option. */
function operand(value: unknown, name: string, pattern: RegExp): string {
  if (typeof value !== "string" || value.startsWith("-") || !pattern.test(value)) {
    refuse(`${name} ${JSON.stringify(value)} is not allowed`);
  }
  return checkArgument(value, "git");
}

const REF = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,199}$/;
// Only exact, compatible or excluded versions: ">" and "<" are refused like every shell metacharacter.
const REQUIREMENT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}(\[[A-Za-z0-9,._-]+\])?((==|~=|!=)[A-Za-z0-9.*+!-]+)?$/;

// npm names (scoped or not) with an optional exact or range-free version or dist-tag: no URLs, paths or git specs.
const NPM_PACKAGE = /^(@[a-z0-9][a-z0-9._-]{0,99}\/)?[a-z0-9][a-z0-9._-]{0,213}(@[A-Za-z0-9.^~*+-]{1,64})?$/;
// A package kept inside the repository (vendored), installed by path: "./vendor/name".
const LOCAL_PACKAGE = /^\.\/[A-Za-z0-9._/-]{1,200}$/;

/**
 * The packages of a pip_install / npm_install step, checked: plain requirements (pip: also a package folder of the
 * repository as ./path); never options, URLs or shell text, since they end up in a manifest and a setup command.
 */
export function installPackages(tool: "pip_install" | "npm_install", params: Record<string, unknown>): string[] {
  const packages = stringList(params.packages ?? params.package ?? params.requirements, "packages");
  if (packages.length === 0) refuse(`${tool}: name at least one package`);
  if (packages.length > 20) refuse(`${tool}: at most 20 packages per step`);
  for (const spec of packages) {
    checkArgument(spec, tool === "pip_install" ? "pip" : "npm");
    if (tool === "npm_install" && !NPM_PACKAGE.test(spec)) refuse(`npm_install: ${JSON.stringify(spec)} is not a plain package name (name, @scope/name, @version)`);
    if (tool === "pip_install" && !REQUIREMENT.test(spec) && !(LOCAL_PACKAGE.test(spec) && !spec.split("/").includes(".."))) {
      refuse(`pip_install: ${JSON.stringify(spec)} is not a plain requirement (name, extras, ==/~=/!= version) or a folder of the repository (./vendor/name)`);
    }
  }
  return packages;
}

/** Turns a tool step into an argv (never a shell string), refusing anything off the whitelist. */
export function planTool(tool: ToolName, params: Record<string, unknown>): ToolPlan {
  switch (tool) {
    case "git_status":
      return { where: "sandbox", argv: ["git", "status", "--short", "--branch"] };
    case "git_diff": {
      const paths = stringList(params.paths ?? params.path, "paths").map(validateSandboxPath);
      const staged = params.staged === true ? ["--cached"] : [];
      return { where: "sandbox", argv: ["git", "diff", "--no-color", ...staged, "--", ...paths.map((p) => checkArgument(p, "git"))] };
    }
    case "git_log": {
      const count = Number(params.max_count ?? params.n ?? 20);
      if (!Number.isInteger(count) || count < 1 || count > 500) refuse("git_log: max_count must be an integer from 1 to 500");
      return { where: "sandbox", argv: ["git", "log", "--oneline", "--no-color", "-n", String(count)] };
    }
    case "git_checkout": {
      const ref = operand(params.ref ?? params.branch, "git_checkout ref", REF);
      return { where: "sandbox", argv: ["git", "checkout", ...(params.create === true ? ["-b"] : []), ref] };
    }
    case "git_clone": {
      const url = params.url ?? params.repo_url;
      if (typeof url !== "string" || !/^https?:\/\/[A-Za-z0-9.-]+(:\d+)?\/[A-Za-z0-9._~/%+-]*$/.test(url)) {
        refuse(`git_clone: only plain http(s) URLs are allowed, got ${JSON.stringify(url)}`);
      }
      checkArgument(url, "git");
      const fallback = url.replace(/\/+$/, "").split("/").at(-1)?.replace(/\.git$/, "") || "repo";
      const dest = validateSandboxPath(typeof params.dest === "string" ? params.dest : fallback);
      return { where: "setup", setupTool: "git-clone", args: [url, dest], argv: ["git", "clone", "--depth", "50", url, dest] };
    }
    case "pip_install": {
      const packages = stringList(params.packages ?? params.package ?? params.requirements, "packages");
      if (packages.length === 0) refuse("pip_install: name at least one package");
      for (const spec of packages) {
        checkArgument(spec, "pip");
        if (!REQUIREMENT.test(spec)) refuse(`pip_install: ${JSON.stringify(spec)} is not a plain requirement (name, extras, ==/~=/!= version)`);
      }
      return { where: "setup", setupTool: "pip-install", args: packages, argv: ["pip", "install", ...packages] };
    }
    case "npm_install": {
      const packages = installPackages(tool, params);
      return { where: "environment", kind: "npm", packages, argv: ["npm", "install", "--save", ...packages] };
    }
    case "run_tests": {
      const testPaths = stringList(params.paths ?? params.path ?? params.test_paths, "paths").map(validateSandboxPath);
      return { where: "tests", testPaths };
    }
    case "shell": {
      const argv = stringList(params.argv ?? params.command ?? params.cmd, "command");
      const [program, ...args] = argv;
      const name = program === "python" ? "python3" : program;
      if (name === undefined) refuse("shell: the command is empty");
      if (!(SHELL_PROGRAMS as readonly string[]).includes(name)) {
        refuse(`shell: ${JSON.stringify(program)} is not an allowed program (allowed: ${SHELL_PROGRAMS.join(", ")})`);
      }
      return { where: "sandbox", argv: [name, ...args.map((arg) => checkArgument(arg, name))] };
    }
  }
}
