import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resetEnvForTests } from "@/server/env";
import { requireDocker } from "@/server/sandbox/docker-test-guard";
import { DockerSandbox } from "@/server/sandbox/docker-sandbox";
import { listOwnContainers } from "@/server/sandbox/reap-orphans";
import type { SandboxSession } from "@/server/sandbox/types";
import { executeTool } from "./execute-tool";

const dockerReady = await requireDocker("tool executor tests");
const runId = "tool-test-run";

describe.skipIf(!dockerReady)("executeTool", () => {
  let sandbox: DockerSandbox;
  let workspace: SandboxSession;

  beforeAll(async () => {
    sandbox = new DockerSandbox({ poolSize: 0 });
    workspace = await sandbox.openSession(runId);
    await workspace.writeFiles([
      { path: "app.py", content: "def add(a, b):\n    return a + b\n" },
      { path: "tests/test_app.py", content: "from app import add\n\ndef test_add():\n    assert add(2, 3) == 5\n" },
    ]);
  });

  afterAll(async () => {
    await sandbox?.shutdown();
    expect(await listOwnContainers()).toEqual([]);
  });

  it("runs whitelisted shell programs inside the run's sandbox", async () => {
    const result = await executeTool({ runId, tool: "shell", params: { command: "ls -A tests" }, workspace });
    expect(result).toMatchObject({ ok: true, exitCode: 0 });
    expect(result.stdout.trim()).toBe("test_app.py");
    const grep = await executeTool({ runId, tool: "shell", params: { argv: ["grep", "-c", "return", "app.py"] }, workspace });
    expect(grep.stdout.trim()).toBe("1");
  });

  it("refuses metacharacters and programs off the whitelist without running them", async () => {
    const chained = await executeTool({ runId, tool: "shell", params: { argv: ["ls", "; rm -rf /workspace"] }, workspace });
    expect(chained.ok).toBe(false);
    expect(chained.error).toMatch(/^Refused: .*shell metacharacter/);
    const rm = await executeTool({ runId, tool: "shell", params: { argv: ["rm", "-rf", "."] }, workspace });
    expect(rm.error).toMatch(/not an allowed program/);
    const still = await executeTool({ runId, tool: "shell", params: { argv: ["ls"] }, workspace });
    expect(still.stdout).toContain("app.py");
    const unknown = await executeTool({ runId, tool: "docker_run", params: {}, workspace });
    expect(unknown.error).toMatch(/Unknown tool/);
  });

  it("reports a timeout", async () => {
    const result = await executeTool({
      runId,
      tool: "shell",
      params: { argv: ["python3", "-c", "__import__('time').sleep(60)"] },
      workspace,
      timeoutMs: 1000,
    });
    expect(result.ok).toBe(false);
    expect(result.error).toBe("timed out after 1 s");
  });

  it("runs the tests and git inside the sandbox", async () => {
    const tests = await executeTool({ runId, tool: "run_tests", params: { paths: ["tests"] }, workspace });
    expect(tests.ok).toBe(true);
    expect(tests.stdout).toMatch(/1 passed/);
    const notRepo = await executeTool({ runId, tool: "git_status", params: {}, workspace });
    expect(notRepo.ok).toBe(false);
    expect(notRepo.stderr).toMatch(/not a git repository/);
    await workspace.exec(["git", "init", "-q"]);
    const status = await executeTool({ runId, tool: "git_status", params: {}, workspace });
    expect(status.ok).toBe(true);
    expect(status.stdout).toContain("?? app.py");
  });

  it("fails pip install and git clone with a clear network reason, not a hang", async () => {
    const started = Date.now();
    const pip = await executeTool({ runId, tool: "pip_install", params: { packages: ["requests"] }, workspace });
    expect(pip.ok).toBe(false);
    expect(pip.error).toMatch(/needs the network, which is unreachable/);
    const clone = await executeTool({
      runId,
      tool: "git_clone",
      params: { url: "https://github.com/octocat/Hello-World.git" },
      workspace,
    });
    expect(clone.ok).toBe(false);
    expect(clone.error).toMatch(/unreachable: .*(resolve host|unable to access)/);
    expect(Date.now() - started).toBeLessThan(25_000);
  });

  it("refuses every tool step when tool use is disabled", async () => {
    process.env.ENABLE_TOOL_USE = "false";
    resetEnvForTests();
    try {
      const result = await executeTool({ runId, tool: "git_status", params: {}, workspace });
      expect(result.ok).toBe(false);
      expect(result.error).toMatch(/ENABLE_TOOL_USE=false/);
    } finally {
      delete process.env.ENABLE_TOOL_USE;
      resetEnvForTests();
    }
  });
});
