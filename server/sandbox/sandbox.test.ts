import os from "node:os";
import Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resetEnvForTests } from "@/server/env";
import { AppError } from "@/server/errors";
import { checkDockerAvailable, getDocker } from "./docker-client";
import { requireDocker } from "./docker-test-guard";
import { DockerSandbox } from "./docker-sandbox";
import { getSandbox, listOwnContainers, reapOrphans } from "./index";
import type { DockerSandboxSession } from "./sandbox-session";

const dockerReady = await requireDocker("sandbox integration tests");

const PASSING = "def test_one():\n    assert 1 + 1 == 2\n\ndef test_two():\n    assert 'a'.upper() == 'A'\n";
const FAILING = "def test_ok():\n    assert True\n\ndef test_wrong():\n    assert 2 * 2 == 5, 'math is broken'\n";

async function containerExists(id: string): Promise<boolean> {
  return getDocker()
    .getContainer(id)
    .inspect()
    .then(
      () => true,
      (error: { statusCode?: number }) => (error.statusCode === 404 ? false : Promise.reject(error)),
    );
}

function containerIdOf(session: DockerSandboxSession): string {
  return (session as unknown as { box?: { container: Docker.Container } }).box?.container.id ?? "";
}

describe.skipIf(!dockerReady)("docker sandbox", () => {
  let sandbox: DockerSandbox;
  let session: DockerSandboxSession;

  beforeAll(async () => {
    sandbox = new DockerSandbox({ poolSize: 2 });
    await sandbox.start();
    await sandbox.pool.waitUntilFull();
    session = await sandbox.openSession("test-run-main");
  });

  afterAll(async () => {
    await sandbox?.shutdown();
    await (getSandbox() as DockerSandbox).shutdown();
    expect(await listOwnContainers()).toEqual([]);
  });

  it("reports per-test results of a passing and a failing file", async () => {
    await session.writeFiles([
      { path: "test_pass.py", content: PASSING },
      { path: "pkg/test_fail.py", content: FAILING },
    ]);
    const good = await session.runPytest({ testPaths: ["test_pass.py"] });
    expect(good.passed).toBe(true);
    expect(good.exitCode).toBe(0);
    expect(good.tests.map((t) => [t.name, t.status])).toEqual([
      ["test_one", "passed"],
      ["test_two", "passed"],
    ]);
    expect(good.tests[0]?.file).toBe("test_pass.py");

    const bad = await session.runPytest({ testPaths: ["pkg/test_fail.py"] });
    expect(bad.passed).toBe(false);
    expect(bad.exitCode).toBe(1);
    expect(bad.summary).toEqual({ passed: 1, failed: 1, errors: 0, skipped: 0 });
    const wrong = bad.tests.find((t) => t.name === "test_wrong");
    expect(wrong?.status).toBe("failed");
    expect(wrong?.message).toContain("math is broken");
    expect(bad.failureReason).toMatch(/^1 test failed/);
    expect(bad.stdout).toContain("test_wrong");
  });

  it("reuses the run's container across iterations and sees replaced files", async () => {
    const before = containerIdOf(session);
    await session.writeFiles([{ path: "pkg/test_fail.py", content: FAILING.replace("== 5", "== 4") }]);
    const fixed = await session.runPytest({ testPaths: ["pkg/test_fail.py"] });
    expect(fixed.passed).toBe(true);
    expect(containerIdOf(session)).toBe(before);
  });

  it("shows a syntax error and a crash at import as failures with the error", async () => {
    await session.writeFiles([
      { path: "syntax/test_syntax.py", content: "def test_x(:\n    pass\n" },
      { path: "crash/helper.py", content: "raise RuntimeError('exploded while importing')\n" },
      { path: "crash/test_crash.py", content: "from helper import *\n\ndef test_y():\n    assert True\n" },
    ]);
    const syntax = await session.runPytest({ testPaths: ["syntax/test_syntax.py"] });
    expect(syntax.passed).toBe(false);
    expect(syntax.summary.errors).toBe(1);
    expect(syntax.failureReason).toMatch(/SyntaxError/);
    expect(syntax.tests[0]?.message).toMatch(/SyntaxError/);

    const crash = await session.runPytest({ testPaths: ["crash/test_crash.py"] });
    expect(crash.passed).toBe(false);
    expect(crash.failureReason).toMatch(/exploded while importing/);
  });

  it("fails when no tests are collected", async () => {
    await session.writeFiles([{ path: "empty/test_nothing.py", content: "x = 1\n" }]);
    const result = await session.runPytest({ testPaths: ["empty/test_nothing.py"] });
    expect(result.exitCode).toBe(5);
    expect(result.passed).toBe(false);
    expect(result.failureReason).toBe("no tests collected");
  });

  it("refuses paths outside the workspace", async () => {
    await expect(session.writeFiles([{ path: "../etc/evil", content: "x" }])).rejects.toThrow(AppError);
    await expect(session.writeFiles([{ path: "/etc/evil", content: "x" }])).rejects.toThrow(/invalid sandbox file path/);
  });

  it("runs as a non-root user without network, and cannot write outside the workspace", async () => {
    const id = await session.exec(["id", "-u"]);
    expect(id.stdout.trim()).toBe("10001");

    const net = await session.exec([
      "python3",
      "-c",
      "import socket\ns = socket.socket(); s.settimeout(3)\ntry:\n    s.connect(('1.1.1.1', 80)); print('CONNECTED')\nexcept OSError as e:\n    print('BLOCKED', e)",
    ]);
    expect(net.stdout).toMatch(/^BLOCKED/);

    for (const target of ["/etc/owned", "/opt/autocode/runner.py", "/usr/lib/evil.py", "/home/sandbox/x"]) {
      const write = await session.exec(["python3", "-c", `open(${JSON.stringify(target)}, 'w').write('x')`]);
      expect(write.exitCode, target).not.toBe(0);
      expect(write.stderr).toMatch(/Read-only file system|Permission denied/);
    }
    const inside = await session.exec(["python3", "-c", "open('/workspace/ok.txt', 'w').write('x')"]);
    expect(inside.exitCode).toBe(0);
  });

  it("caps stdout with a marker", async () => {
    const result = await session.exec(["python3", "-c", "import sys; sys.stdout.write('y' * 600000)"]);
    expect(result.stdoutTruncated).toBe(true);
    expect(result.stdout).toContain("[... output truncated:");
    expect(result.stdout.length).toBeLessThan(300_000);
    expect(result.stderrTruncated).toBe(false);
  });

  it("reports allocating 1 GB as out of memory, and keeps the files for the next iteration", async () => {
    const result = await session.exec(["python3", "-c", "b = b'x' * (1 << 30); print(len(b))"]);
    expect(result.oomKilled).toBe(true);
    expect(result.failureReason).toBe("out of memory (512 MB)");
    const after = await session.runPytest({ testPaths: ["test_pass.py"] });
    expect(after.passed).toBe(true);
  });

  it("holds a container that keeps computing to SANDBOX_CPUS (0.5) on average", async () => {
    // Four processes spin for 3 s of wall time: CPU time over wall time is at most 0.5, plus at most one extra
    // 500 ms period's quota (250 ms) where the window cuts a period: (3 + 0.5) / 0.5 periods x 250 ms / 3 s = 0.58.
    const spin = "import os, time\nfor _ in range(3):\n    if os.fork() == 0:\n        break\nend = time.time() + 3\nwhile time.time() < end:\n    pass\nwhile True:\n    try:\n        os.wait()\n    except ChildProcessError:\n        break\n";
    const script = `import os, subprocess, sys, time\nstart = time.time()\nsubprocess.run([sys.executable, "-c", ${JSON.stringify(spin)}])\nwhile True:\n    try:\n        os.wait()\n    except ChildProcessError:\n        break\nt = os.times()\nprint((t.children_user + t.children_system) / (time.time() - start))\n`;
    await session.writeFiles([{ path: "spin.py", content: script }]);
    const result = await session.exec(["python3", "spin.py"], { timeoutMs: 20_000 });
    expect(result.exitCode, result.stderr).toBe(0);
    const share = Number(result.stdout.trim());
    expect(share).toBeGreaterThan(0.1);
    expect(share).toBeLessThanOrEqual(0.6);
  });

  it("reports an infinite loop as a timeout and removes its container", async () => {
    const before = containerIdOf(session);
    const result = await session.exec(["python3", "-c", "while True: pass"], { timeoutMs: 1500 });
    expect(result.timedOut).toBe(true);
    expect(result.failureReason).toBe("timed out after 1.5 s");
    expect(await containerExists(before)).toBe(false);
    const next = await session.runPytest({ testPaths: ["test_pass.py"] });
    expect(next.passed).toBe(true);
    expect(containerIdOf(session)).not.toBe(before);
  });

  it("contains a fork bomb and stays healthy", async () => {
    await session.writeFiles([
      { path: "bomb.py", content: "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n" },
    ]);
    const bomb = await session.exec(["python3", "bomb.py"], { timeoutMs: 3000 });
    expect(bomb.passed).toBe(false);
    expect(bomb.timedOut).toBe(true);
    await expect(getDocker().ping()).resolves.toBeTruthy();
    const next = await session.runPytest({ testPaths: ["test_pass.py"] });
    expect(next.passed).toBe(true);
  });

  it("isolates runs from each other", async () => {
    const other = await sandbox.openSession("test-run-other");
    try {
      expect(containerIdOf(other)).not.toBe(containerIdOf(session));
      const look = await other.exec(["ls", "-A", "/workspace"]);
      expect(look.stdout.trim()).toBe("");
      const ps = await other.exec(["python3", "-c", "import os; print(len([p for p in os.listdir('/proc') if p.isdigit()]))"]);
      expect(Number(ps.stdout.trim())).toBeLessThanOrEqual(3);
    } finally {
      await other.close();
    }
  });

  it("kills a run within 2 seconds", async () => {
    const victim = await sandbox.openSession("test-run-kill");
    const id = containerIdOf(victim);
    const pending = victim.exec(["python3", "-c", "while True: pass"], { timeoutMs: 30_000 });
    const settled = pending.then(
      () => new Error("the killed execution resolved"),
      (error: unknown) => error,
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    const started = Date.now();
    await sandbox.killRun("test-run-kill");
    expect(String(await settled)).toMatch(/cancelled/);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(await containerExists(id)).toBe(false);
  });

  it("stops at an aborted signal", async () => {
    const controller = new AbortController();
    const pending = session.exec(["python3", "-c", "while True: pass"], { signal: controller.signal });
    setTimeout(() => controller.abort(new Error("stop requested")), 300);
    await expect(pending).rejects.toThrow("stop requested");
  });

  it("reaps containers whose owner process is gone", async () => {
    const orphan = await getDocker().createContainer({
      Image: (await import("@/server/env")).env().SANDBOX_IMAGE,
      Cmd: ["sleep", "60"],
      // pid 4194304 is above the kernel's pid_max: that owner cannot be alive.
      Labels: { "ai.autocode.managed": "true", "ai.autocode.owner": `${os.hostname()}/4194304/dead` },
      HostConfig: { NetworkMode: "none" },
    });
    try {
      await orphan.start();
      expect(await reapOrphans()).toBeGreaterThanOrEqual(1);
      expect(await containerExists(orphan.id)).toBe(false);
      await session.exec(["true"]);
      expect(await containerExists(containerIdOf(session))).toBe(true);
    } finally {
      await orphan.remove({ force: true }).catch(() => undefined);
    }
  });

  it("says how to fix a missing image or an unreachable engine", async () => {
    const saved = process.env.SANDBOX_IMAGE;
    process.env.SANDBOX_IMAGE = "autocodeai-sandbox:does-not-exist";
    resetEnvForTests();
    try {
      const error = await checkDockerAvailable().catch((e: unknown) => e);
      expect(AppError.is(error, "UNAVAILABLE")).toBe(true);
      expect((error as AppError).userMessage).toBe(
        "The sandbox image autocodeai-sandbox:does-not-exist is missing. Build it with `npm run sandbox:build`.",
      );
    } finally {
      if (saved === undefined) delete process.env.SANDBOX_IMAGE;
      else process.env.SANDBOX_IMAGE = saved;
      resetEnvForTests();
    }
    const holder = globalThis as unknown as { autocodeDocker?: Docker };
    const real = holder.autocodeDocker;
    holder.autocodeDocker = new Docker({ socketPath: "/nonexistent/docker.sock" });
    try {
      const error = await checkDockerAvailable().catch((e: unknown) => e);
      expect(AppError.is(error, "UNAVAILABLE")).toBe(true);
      expect((error as AppError).userMessage).toMatch(/^The Docker engine is not reachable.*Start Docker/);
    } finally {
      holder.autocodeDocker = real;
    }
  });

  it("serves the process-wide singleton", () => {
    expect(getSandbox()).toBe(getSandbox());
  });
});
