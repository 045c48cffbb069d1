import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requireDocker } from "./docker-test-guard";
import { getDocker } from "./docker-client";
import { DockerSandbox } from "./docker-sandbox";
import type { DockerSandboxSession } from "./sandbox-session";
import { execStdout } from "./suite-progress";
import { LIVE_CHUNK_CHARS } from "./watch-suite-output";

const dockerReady = await requireDocker("test suites with structured reports");

const JEST = JSON.stringify({
  testResults: [
    {
      name: "/workspace/src/a.test.js",
      status: "failed",
      assertionResults: [
        { fullName: "a adds", status: "passed", duration: 3 },
        { fullName: "a breaks", status: "failed", failureMessages: ["Expected 2, received 3"], duration: 1 },
        { fullName: "a later", status: "pending" },
      ],
    },
    { name: "/workspace/src/broken.test.js", status: "failed", message: "SyntaxError: Unexpected token", assertionResults: [] },
  ],
});
const TAP = ["TAP version 13", "# Subtest: math", "    # Subtest: adds", "    ok 1 - adds", "    # Subtest: breaks", "    not ok 2 - breaks", "    1..2", "not ok 1 - math", "ok 2 - top", "ok 3 - skipped # SKIP", "1..3", ""].join("\n");

/** A "test command" that writes a given report: the parsers and the verdict, without needing node in the image. */
const writes = (report: string, exitCode: number) => `cat > {report} <<'REPORT'\n${report}\nREPORT\nexit ${exitCode}`;

describe.skipIf(!dockerReady)("runSuite: pass and fail from the exit code and the parsed report only", () => {
  let sandbox: DockerSandbox;
  let session: DockerSandboxSession;

  beforeAll(async () => {
    sandbox = new DockerSandbox({ poolSize: 0 });
    session = await sandbox.openSession("test-run-suite");
  });

  afterAll(async () => {
    await sandbox?.shutdown();
  });

  it("reads jest's JSON report: per-test status, messages, a file that failed to load as an error", async () => {
    const result = await session.runSuite({ shell: writes(JEST, 1), format: "jest-json" });
    expect(result.passed).toBe(false);
    expect(result.tests.map((t) => [t.file, t.name, t.status])).toEqual([
      ["src/a.test.js", "a adds", "passed"],
      ["src/a.test.js", "a breaks", "failed"],
      ["src/a.test.js", "a later", "skipped"],
      ["src/broken.test.js", "(load)", "error"],
    ]);
    expect(result.failureReason).toMatch(/^1 test failed, 1 error: Expected 2, received 3/);
  });

  it("reads node:test's TAP: nested tests named after their suite, skips", async () => {
    const result = await session.runSuite({ shell: writes(TAP, 1), format: "tap" });
    expect(result.tests.map((t) => [t.name, t.status])).toEqual([
      ["math > adds", "passed"],
      ["math > breaks", "failed"],
      ["top", "passed"],
      ["skipped", "skipped"],
    ]);
    expect(result.passed).toBe(false);
  });

  it("a command that prints no report is a failure, never a pass, even with exit code 0", async () => {
    const result = await session.runSuite({ shell: "echo all tests passed; exit 0", format: "junit" });
    expect(result.passed).toBe(false);
    expect(result.failureReason).toMatch(/^the test command wrote no test report \(exit code 0\)/);
  });

  it("a passing report with a non-zero exit code is not a pass", async () => {
    const junit = '<testsuite><testcase classname="t" name="ok" time="0.1"/></testsuite>';
    const result = await session.runSuite({ shell: writes(junit, 3), format: "junit" });
    expect(result.tests).toHaveLength(1);
    expect(result.passed).toBe(false);
    expect(result.failureReason).toBe("the test command exited with code 3");
  });

  it("reports each test as it finishes, while the suite still runs (the second test waits until the host has seen the first)", async () => {
    const waits = "import os, time\n\n\ndef test_a_first():\n    assert True\n\n\ndef test_b_waits_for_the_host():\n    for _ in range(900):\n        if os.path.exists('/tmp/autocode-go'):\n            return\n        time.sleep(0.1)\n    raise AssertionError('the host never reported test_a_first while the suite ran')\n";
    await session.writeFiles([{ path: "test_progress_wait.py", content: waits }]);
    const { containerId } = await session.describeContainer();
    const seen: Array<{ name: string; status: string }> = [];
    let released: Promise<unknown> | undefined;
    const result = await session.runSuite(
      { shell: "python3 -m pytest -v -p no:cacheprovider -o junit_family=xunit1 --junitxml={report} test_progress_wait.py", format: "junit" },
      {
        timeoutMs: 120_000,
        onProgress: (tests) => {
          seen.push(...tests);
          // Only a report made during the run can let the second test pass.
          if (!released && tests.some((t) => t.name.endsWith("::test_a_first"))) {
            released = getDocker().getContainer(containerId).exec({ Cmd: ["touch", "/tmp/autocode-go"], User: "10001" }).then((exec) => exec.start({ Detach: true }));
          }
        },
      },
    );
    await released;
    expect(result.passed).toBe(true);
    expect(seen).toEqual([
      { name: "test_progress_wait.py::test_a_first", status: "passed" },
      { name: "test_progress_wait.py::test_b_waits_for_the_host", status: "passed" },
    ]);
    // The runner still gets the output as before the wrapping.
    expect(result.stdout).toContain("2 passed");
  });
  it("keeps what a suite printed when it is killed at its time limit with progress on", async () => {
    const seen: string[] = [];
    const result = await session.runSuite(
      { shell: "echo 'ok 1 - before the limit'; echo 'warming up' >&2; echo '  ✓ early test 1ms'; sleep 600", format: "tap" },
      { timeoutMs: 5_000, onProgress: (tests) => seen.push(...tests.map((t) => t.name)) },
    );
    expect(result.timedOut).toBe(true);
    expect(result.passed).toBe(false);
    expect(result.stdout).toContain("ok 1 - before the limit");
    expect(result.stdout).toContain("early test");
    expect(result.stderr).toContain("warming up");
    expect(seen).toContain("early test");
    // The timed-out container went; the session carries on in a fresh one.
    expect((await session.exec(["echo", "after"])).stdout).toBe("after\n");
  });

  it("streams a command's output while it runs (it waits until the host has seen each part), every byte shown or counted", async () => {
    const { containerId } = await session.describeContainer();
    const release = (file: string) => getDocker().getContainer(containerId).exec({ Cmd: ["touch", file], User: "10001" }).then((exec) => exec.start({ Detach: true }));
    const waitFor = (file: string) => `for i in $(seq 1 1200); do if [ -e ${file} ]; then break; fi; sleep 0.1; done`;
    // Part two is 20 000 characters at once: more than a chunk carries, so the newest are sent and the rest counted.
    const shell = `echo first line; echo to stderr >&2; ${waitFor("/tmp/autocode-go-1")}; head -c 20000 /dev/zero | tr '\\0' x; echo; echo middle line; ${waitFor("/tmp/autocode-go-2")}; exit 0`;
    const chunks: Array<{ stdout: string; stderr: string; skippedBytes: number }> = [];
    const released: Promise<unknown>[] = [];
    const result = await session.runSuite(
      { shell, format: "junit" },
      {
        timeoutMs: 300_000,
        onOutput: (chunk) => {
          chunks.push(chunk);
          // Only output seen during the run lets the command go on.
          const all = chunks.map((c) => c.stdout).join("");
          if (released.length === 0 && all.includes("first line\n")) released.push(release("/tmp/autocode-go-1"));
          if (released.length === 1 && all.includes("middle line\n")) released.push(release("/tmp/autocode-go-2"));
        },
      },
    );
    await Promise.all(released);
    expect(released).toHaveLength(2);
    expect(chunks.map((c) => c.stderr).join("")).toBe("to stderr\n");
    expect(chunks.every((c) => c.stdout.length <= LIVE_CHUNK_CHARS && c.stderr.length <= LIVE_CHUNK_CHARS)).toBe(true);
    const produced = "first line\n".length + "to stderr\n".length + 20_000 + "\nmiddle line\n".length;
    expect(chunks.reduce((sum, c) => sum + c.stdout.length + c.stderr.length + c.skippedBytes, 0)).toBe(produced);
    expect(chunks.reduce((sum, c) => sum + c.skippedBytes, 0)).toBeGreaterThan(0);
    // The record is unchanged by the watching: the whole output, and no report means no pass.
    expect(result.stdout).toContain(`${"x".repeat(20_000)}\nmiddle line`);
    expect(result.passed).toBe(false);
  });
  it("streams a plain pytest run's output while it runs (the resident runner copies it into files the host polls)", async () => {
    const { containerId } = await session.describeContainer();
    const container = getDocker().getContainer(containerId);
    // The second test waits until the host has seen the first one's dot: only output seen during the run lets it finish.
    const waits = [
      "import os, sys, time",
      "def test_a_first():",
      "    print('to stderr', file=sys.stderr)",
      "def test_b_waits_for_the_host():",
      "    for _ in range(1200):",
      "        if os.path.exists('/tmp/autocode-go-pytest'):",
      "            return",
      "        time.sleep(0.1)",
      "    raise AssertionError('the host never saw the first dot')",
      "",
    ].join("\n");
    await session.writeFiles([{ path: "live/test_live.py", content: waits }]);
    const chunks: Array<{ stdout: string; stderr: string; skippedBytes: number }> = [];
    let released: Promise<unknown> | undefined;
    const result = await session.runPytest({
      testPaths: ["live/test_live.py"],
      timeoutMs: 300_000,
      onOutput: (chunk) => {
        chunks.push(chunk);
        if (!released && chunks.map((c) => c.stdout).join("").includes("live/test_live.py .")) {
          released = container.exec({ Cmd: ["touch", "/tmp/autocode-go-pytest"], User: "10001" }).then((exec) => exec.start({ Detach: true }));
        }
      },
    });
    await released;
    expect(released).toBeDefined();
    expect(result.passed).toBe(true);
    expect(result.tests.map((t) => [t.name, t.status])).toEqual([
      ["test_a_first", "passed"],
      ["test_b_waits_for_the_host", "passed"],
    ]);
    // Every byte the runner returned was streamed or counted (pytest prints nothing to stderr here: output is captured).
    const streamed = chunks.reduce((sum, c) => sum + Buffer.byteLength(c.stdout) + Buffer.byteLength(c.stderr) + c.skippedBytes, 0);
    expect(streamed).toBeLessThanOrEqual(Buffer.byteLength(result.stdout) + Buffer.byteLength(result.stderr));
    expect(chunks.map((c) => c.stdout).join("")).toContain("live/test_live.py .");
    // The runner removes its copies once the run is over.
    expect((await execStdout(container, "ls /tmp | grep -c autocode-live || true")).toString("utf8").trim()).toBe("0");
  });
});
