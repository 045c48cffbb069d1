import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { resetEnvForTests } from "@/server/env";
import { resolveEnvironment } from "@/server/environments/resolve-environment";
import { getDocker, LABEL_ROLE } from "@/server/sandbox/docker-client";
import { requireDocker } from "@/server/sandbox/docker-test-guard";
import { getSandbox } from "@/server/sandbox";
import { startTestRunner, waitForRunEnd, type TestRunner } from "@/tests/helpers/test-runner";
import { callerFor, createTestUser, testDb } from "../helpers/db";
import { bareRepoOf } from "./fixture-repos";

const dockerReady = await requireDocker("project environments (Python)");
const root = mkdtempSync(path.join(os.tmpdir(), "env-py-"));
process.env.LOCAL_IMPORT_ROOTS = root;
resetEnvForTests();
// Environment builds and whole runs: minutes on a loaded machine, not the default 60 s.
vi.setConfig({ testTimeout: 300000, hookTimeout: 300000 });

const PLAN_NEW_MODULE = JSON.stringify({ steps: [{ id: "s1", agent: "coder", description: "Add shout(text) in a new module", file: "src/textkit/shout.py", depends_on: [] }] });
const SHOUT = "```python\ndef shout(text):\n    return text.upper() + '!'\n```";
const SHOUT_TESTS = "```python\nfrom textkit.shout import shout\n\n\ndef test_shout():\n    assert shout('hi') == 'HI!'\n\n\ndef test_shout_empty():\n    assert shout('') == '!'\n```";

async function eventsOf(runId: string) {
  return testDb().runEvent.findMany({ where: { runId }, orderBy: { seq: "asc" } });
}

/** Setup containers this engine started from the next whole second after `since` (removed, but the engine remembers). */
async function setupContainersStartedSince(since: number): Promise<number> {
  const events = await getDocker().getEvents({ since: Math.ceil(since / 1000), until: Math.ceil(Date.now() / 1000), filters: { type: ["container"], event: ["start"], label: [`${LABEL_ROLE}=setup`] } });
  const text = await new Promise<string>((resolve) => {
    let out = "";
    events.on("data", (chunk: Buffer) => (out += chunk.toString()));
    events.on("end", () => resolve(out));
  });
  return text.split("\n").filter((line) => line.trim()).length;
}

describe.skipIf(!dockerReady)("a Python repository with its own tests, end to end", () => {
  let runner: TestRunner | undefined;
  let owner: Awaited<ReturnType<typeof createTestUser>>;
  let projectId: string;
  let repoPath: string;

  beforeAll(async () => {
    runner = await startTestRunner();
    owner = await createTestUser("env-python");
    const project = await callerFor(owner.id).project.create({ name: "textkit", source: { kind: "local", path: bareRepoOf("python-textkit", root) } });
    projectId = project.id;
    repoPath = (await testDb().project.findUniqueOrThrow({ where: { id: projectId } })).repoPath;
    // A leftover image from an earlier test run would be reused: this test wants to see the first build.
    const { imageTag } = await resolveEnvironment({ repoRoot: repoPath, overrides: null });
    await getDocker().getImage(imageTag).remove({ force: true }).catch(() => undefined);
  });

  afterAll(async () => {
    await runner?.stop();
  });

  it("builds the environment (local dependency installed offline), runs a task to verified, reports the old failure as already failing", async () => {
    runner!.llm.script("planner", PLAN_NEW_MODULE);
    runner!.llm.script("coder", SHOUT);
    runner!.llm.script("tester", SHOUT_TESTS);
    const { runId } = await callerFor(owner.id).task.create({ projectId, prompt: "Add shout(text) to textkit, with tests" });
    const run = await waitForRunEnd(runId, 240_000);
    if (run.statusReason) console.error(JSON.stringify((await eventsOf(runId)).filter((e) => e.type === "sandbox.command" || e.type.startsWith("environment")).map((e) => e.payload), null, 1));
    expect(run.statusReason).toBeNull();
    expect(run.status).toBe("SUCCEEDED");
    const verification = run.verification as { outcome: string; baseline: { regressions: string[]; alreadyFailing: string[]; newTests: { id: string; status: string }[]; baselineAvailable: boolean } };
    expect(verification.outcome).toBe("verified");
    expect(verification.baseline.baselineAvailable).toBe(true);
    expect(verification.baseline.regressions).toEqual([]);
    expect(verification.baseline.alreadyFailing).toEqual(["tests/test_core.py::test_initials_of_lower_case_names"]);
    expect(verification.baseline.newTests.map((t) => t.status)).toEqual(["passed", "passed"]);

    const events = await eventsOf(runId);
    const types = events.map((e) => e.type);
    expect(types).toContain("environment.building");
    expect(events.find((e) => e.type === "environment.ready")?.payload).toMatchObject({ language: "python", framework: "pytest", built: true });
    // The tester's file went where the repository keeps its tests, under a name that collides with nothing.
    const diff = await callerFor(owner.id).run.diff({ runId });
    expect(diff?.files.map((f) => f.path).sort()).toEqual(["src/textkit/shout.py", "tests/test_shout.py"]);
    const environment = await testDb().projectEnvironment.findUniqueOrThrow({ where: { projectId } });
    expect(environment).toMatchObject({ state: "READY", trigger: "first run" });
    expect(environment.log).toContain("Successfully installed slugkit");
  });

  it("reuses the cached image and baseline; a model edit that breaks an existing test fails the run as a regression naming it", async () => {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const since = Date.now();
    runner!.llm.script("planner", JSON.stringify({ steps: [{ id: "s1", agent: "coder", description: "Count characters instead", file: "src/textkit/core.py", depends_on: [] }] }));
    runner!.llm.script("coder", "```diff\n--- a/src/textkit/core.py\n+++ b/src/textkit/core.py\n@@ -4,3 +4,3 @@\n def word_count(text):\n     \"\"\"Number of whitespace-separated words.\"\"\"\n-    return len(text.split())\n+    return len(text)\n```");
    runner!.llm.script("tester", "```python\nfrom textkit.core import title_slug\n\n\ndef test_slug_again():\n    assert title_slug('A B') == 'a-b'\n```");
    const { runId } = await callerFor(owner.id).task.create({ projectId, prompt: "Make word_count count characters" });
    const run = await waitForRunEnd(runId, 120_000);
    expect(run.status).toBe("FAILED");
    expect(run.statusReason).toMatch(/regression: tests\/test_core\.py::test_word_count passed on the base commit/);
    const events = await eventsOf(runId);
    expect(events.map((e) => e.type)).not.toContain("environment.building");
    expect(events.find((e) => e.type === "environment.ready")?.payload).toMatchObject({ built: false });
    expect(events.find((e) => e.type === "verification.baseline")?.payload).toMatchObject({ baselineCached: true, regressions: ["tests/test_core.py::test_word_count"] });
    // The step's tests did not shadow tests/test_core.py (pytest's "import file mismatch").
    expect(events.some((e) => e.type === "edit.applied" && (e.payload as { path: string }).path === "tests/test_core_autocode.py")).toBe(true);
    expect(await setupContainersStartedSince(since)).toBe(0);
  });

  it("refuses a model edit that overwrites one of the repository's tests, with a message to the model", async () => {
    runner!.llm.script("planner", JSON.stringify({ steps: [{ id: "s1", agent: "coder", description: "Rewrite the tests", file: "tests/test_core.py", depends_on: [] }] }));
    runner!.llm.script("coder", "```python\ndef test_nothing():\n    assert True\n```", "```python\ndef test_nothing():\n    assert True\n```");
    const { runId } = await callerFor(owner.id).task.create({ projectId, prompt: "Replace the tests" });
    const run = await waitForRunEnd(runId, 120_000);
    expect(run.status).toBe("FAILED");
    const rejected = (await eventsOf(runId)).filter((e) => e.type === "edit.rejected").map((e) => (e.payload as { error: string }).error);
    expect(rejected[0]).toMatch(/tests\/test_core\.py is one of the repository's own tests; it must not be overwritten/);
    const coderRequests = runner!.llm.requests.filter((r) => r.runId === runId && r.role === "coder");
    expect(JSON.stringify(coderRequests.at(-1)?.body.messages)).toContain("must not be overwritten");
  });

  it("a run's sandbox from the environment image still has no network", async () => {
    const environment = await testDb().projectEnvironment.findUniqueOrThrow({ where: { projectId } });
    const session = await getSandbox().openSession("env-no-network", { image: environment.imageTag! });
    try {
      const probe = await session.exec(["python3", "-c", "import socket\ns = socket.socket(); s.settimeout(3)\ntry:\n    s.connect(('1.1.1.1', 80)); print('CONNECTED')\nexcept OSError as e:\n    print('BLOCKED', e)"]);
      expect(probe.stdout).toMatch(/^BLOCKED/);
      const imported = await session.exec(["python3", "-c", "import slugkit; print(slugkit.slugify('A b'))"]);
      expect(imported.stdout.trim()).toBe("a-b");
    } finally {
      await session.close();
    }
  });

  it("a setup script that fails blocks runs with its message, without building again", async () => {
    await testDb().projectEnvironment.update({ where: { projectId }, data: { setupScript: "echo preparing\nfalse-command-that-does-not-exist --flag" } });
    const { runId } = await callerFor(owner.id).task.create({ projectId, prompt: "Anything" });
    const run = await waitForRunEnd(runId, 120_000);
    expect(run.status).toBe("FAILED");
    expect(run.statusReason).toMatch(/could not be built: the setup failed \(exit code 127\) at: false-command-that-does-not-exist --flag/);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const since = Date.now();
    const second = await callerFor(owner.id).task.create({ projectId, prompt: "Anything again" });
    const again = await waitForRunEnd(second.runId, 60_000);
    expect(again.statusReason).toBe(run.statusReason);
    expect(await setupContainersStartedSince(since)).toBe(0);
    const environment = await testDb().projectEnvironment.findUniqueOrThrow({ where: { projectId } });
    expect(environment.state).toBe("FAILED");
    expect(environment.log).toContain("preparing");
  });
});
