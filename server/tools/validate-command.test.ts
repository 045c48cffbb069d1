import { describe, expect, it } from "vitest";
import { AppError } from "@/server/errors";
import { ZToolStep } from "./tool-step";
import { withRequirements } from "@/server/environments/change-run-environment";
import { installPackages, planTool } from "./validate-command";

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (AppError.is(error, "BAD_REQUEST")) return error.userMessage;
    throw error;
  }
  throw new Error("expected a refusal");
}

describe("planTool", () => {
  it("turns allowed steps into argv arrays", () => {
    expect(planTool("shell", { command: "ls -la src" })).toEqual({ where: "sandbox", argv: ["ls", "-la", "src"] });
    expect(planTool("shell", { argv: ["grep", "-rn", "def main", "."] })).toEqual({
      where: "sandbox",
      argv: ["grep", "-rn", "def main", "."],
    });
    expect(planTool("git_log", { max_count: 5 })).toEqual({
      where: "sandbox",
      argv: ["git", "log", "--oneline", "--no-color", "-n", "5"],
    });
    expect(planTool("git_checkout", { ref: "feature/x", create: true })).toEqual({
      where: "sandbox",
      argv: ["git", "checkout", "-b", "feature/x"],
    });
    expect(planTool("pip_install", { packages: ["requests==2.31.0", "numpy"] })).toMatchObject({
      where: "setup",
      setupTool: "pip-install",
      args: ["requests==2.31.0", "numpy"],
    });
    expect(planTool("git_clone", { url: "https://github.com/octocat/Hello-World.git" })).toMatchObject({
      where: "setup",
      args: ["https://github.com/octocat/Hello-World.git", "Hello-World"],
    });
    expect(planTool("run_tests", { paths: ["tests/test_a.py"] })).toEqual({ where: "tests", testPaths: ["tests/test_a.py"] });
  });

  it.each([";", "|", "&", "$", "`", ">", "<", "\n"])("refuses the shell metacharacter %j", (char) => {
    expect(refusal(() => planTool("shell", { argv: ["cat", `a${char}b`] }))).toMatch(/shell metacharacter/);
  });

  it("refuses programs off the whitelist", () => {
    for (const program of ["rm", "curl", "bash", "sh", "/bin/sh", "pip", "git", "sudo", "nc"]) {
      expect(refusal(() => planTool("shell", { argv: [program, "x"] }))).toMatch(/not an allowed program/);
    }
    expect(refusal(() => planTool("shell", { argv: [] }))).toMatch(/empty/);
  });

  it("refuses options that run other programs", () => {
    expect(refusal(() => planTool("shell", { argv: ["find", ".", "-exec", "rm", "{}", "+"] }))).toMatch(/-exec/);
    expect(refusal(() => planTool("shell", { argv: ["find", ".", "-execdir", "x"] }))).toMatch(/not allowed/);
    expect(refusal(() => planTool("shell", { argv: ["sort", "--compress-program=sh", "f"] }))).toMatch(/not allowed/);
    expect(refusal(() => planTool("git_checkout", { ref: "--upload-pack=evil" }))).toMatch(/not allowed/);
    expect(refusal(() => planTool("git_checkout", { ref: "-c" }))).toMatch(/not allowed/);
    expect(refusal(() => planTool("git_clone", { url: "ext::sh -c touch% /tmp/pwned" }))).toMatch(/http/);
    expect(refusal(() => planTool("git_clone", { url: "--upload-pack=touch /tmp/x" }))).toMatch(/http/);
    expect(refusal(() => planTool("git_clone", { url: "file:///etc" }))).toMatch(/http/);
    expect(refusal(() => planTool("pip_install", { packages: ["--index-url=http://evil"] }))).toMatch(/plain requirement/);
    expect(refusal(() => planTool("pip_install", { packages: ["-e", "."] }))).toMatch(/plain requirement/);
    expect(refusal(() => planTool("pip_install", { packages: ["pkg>=1.0"] }))).toMatch(/metacharacter/);
  });

  it("refuses paths outside the workspace", () => {
    expect(refusal(() => planTool("git_diff", { paths: ["../secret"] }))).toMatch(/not allowed/);
    expect(refusal(() => planTool("run_tests", { paths: ["/etc/passwd"] }))).toMatch(/not allowed/);
  });
});

describe("ZToolStep", () => {
  it("accepts a plan's tool step and rejects unknown tools", () => {
    expect(ZToolStep.parse({ tool_name: "git_status" })).toEqual({ tool_name: "git_status", tool_params: {} });
    expect(ZToolStep.safeParse({ tool_name: "rm_rf", tool_params: {} }).success).toBe(false);
  });
});

describe("installPackages (pip_install / npm_install steps: what may reach a manifest)", () => {
  it("takes plain names, versions and repository folders", () => {
    expect(installPackages("pip_install", { packages: ["requests==2.31.0", "./vendor/wordkit"] })).toEqual(["requests==2.31.0", "./vendor/wordkit"]);
    expect(installPackages("npm_install", { packages: "ms@2.1.3 @types/node" })).toEqual(["ms@2.1.3", "@types/node"]);
  });

  it("refuses options, URLs, paths out of the repository and shell text", () => {
    expect(refusal(() => installPackages("pip_install", { packages: ["--index-url=http://evil"] }))).toMatch(/not a plain requirement/);
    expect(refusal(() => installPackages("pip_install", { packages: ["./vendor/../../etc"] }))).toMatch(/not a plain requirement/);
    expect(refusal(() => installPackages("pip_install", { packages: ["/abs/path"] }))).toMatch(/not a plain requirement/);
    expect(refusal(() => installPackages("npm_install", { packages: ["git+https://evil/x.git"] }))).toMatch(/not a plain package name/);
    expect(refusal(() => installPackages("npm_install", { packages: ["file:../x"] }))).toMatch(/not a plain package name/);
    expect(refusal(() => installPackages("npm_install", { packages: ["ms;rm -rf /"] }))).toMatch(/metacharacter/);
    expect(refusal(() => installPackages("npm_install", { packages: [] }))).toMatch(/at least one package/);
  });

  it("appends to requirements.txt only what it does not name yet", () => {
    expect(withRequirements("./vendor/slugkit\n", ["./vendor/wordkit", "./vendor/slugkit"])).toBe("./vendor/slugkit\n./vendor/wordkit\n");
    expect(withRequirements("a==1", ["b"])).toBe("a==1\nb\n");
    expect(withRequirements(null, ["b"])).toBe("b\n");
  });
});
