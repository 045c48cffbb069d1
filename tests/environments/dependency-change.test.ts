import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { resetEnvForTests } from "@/server/env";
import { getSandbox } from "@/server/sandbox";
import { getDocker } from "@/server/sandbox/docker-client";
import { requireDocker } from "@/server/sandbox/docker-test-guard";
import { startTestRunner, waitForRunEnd, type TestRunner } from "@/tests/helpers/test-runner";
import { callerFor, createTestUser, testDb } from "../helpers/db";
import { bareRepoOf } from "./fixture-repos";

const dockerReady = await requireDocker("dependency changes inside a run");
const root = mkdtempSync(path.join(os.tmpdir(), "env-deps-"));
process.env.LOCAL_IMPORT_ROOTS = root;
// A step's first vitest run in a fresh container takes more than the default 30 s on this loaded 2-core machine.
process.env.SANDBOX_TIMEOUT = "120";
resetEnvForTests();
vi.setConfig({ testTimeout: 300000, hookTimeout: 300000 });

const PIP_PLAN = JSON.stringify({
  steps: [
    { id: "s1", agent: "tool", description: "Add the vendored wordkit package", tool_name: "pip_install", tool_params: { packages: ["./vendor/wordkit"] } },
    { id: "s2", agent: "coder", description: "Add longest_word(text) on top of wordkit", file: "src/textkit/longest.py", depends_on: ["s1"] },
  ],
});
const LONGEST = "```python\nimport wordkit\n\n\ndef longest_word(text):\n    return wordkit.longest(text)\n```";
const LONGEST_TESTS = "```python\nfrom textkit.longest import longest_word\n\n\ndef test_longest_word():\n    assert longest_word('a quick fox') == 'quick'\n```";

const eventsOf = (runId: string) => testDb().runEvent.findMany({ where: { runId }, orderBy: { seq: "asc" } });
const payloadOf = <T,>(events: Awaited<ReturnType<typeof eventsOf>>, type: string) => events.find((e) => e.type === type)?.payload as T | undefined;

describe.skipIf(!dockerReady)("pip_install inside a run: manifest edit, environment rebuilt, the run continues offline", () => {
  let runner: TestRunner | undefined;
  let owner: Awaited<ReturnType<typeof createTestUser>>;
  let projectId: string;
  let repoPath: string;
  const images: string[] = [];

  beforeAll(async () => {
    runner = await startTestRunner();
    owner = await createTestUser("env-deps");
    projectId = (await callerFor(owner.id).project.create({ name: "textkit-deps", source: { kind: "local", path: bareRepoOf("python-textkit", root) } })).id;
    repoPath = (await testDb().project.findUniqueOrThrow({ where: { id: projectId } })).repoPath;
  });

  afterAll(async () => {
    await runner?.stop();
    // The rebuilt image is this test's own (its manifests exist nowhere else); the project's first image is shared with python-environment.
    for (const image of images) await getDocker().getImage(image).remove({ force: true }).catch(() => undefined);
  });

  it("adds a local package to requirements.txt, rebuilds the image, and the next step imports it", async () => {
    runner!.llm.script("planner", PIP_PLAN);
    runner!.llm.script("coder", LONGEST);
    runner!.llm.script("tester", LONGEST_TESTS);
    const { runId } = await callerFor(owner.id).task.create({ projectId, prompt: "Add longest_word using the vendored wordkit" });
    const run = await waitForRunEnd(runId, 280_000);
    const events = await eventsOf(runId);
    if (run.statusReason) console.error(JSON.stringify(events.filter((e) => e.type.startsWith("environment") || e.type === "sandbox.command").map((e) => e.payload), null, 1));
    expect(run.statusReason).toBeNull();
    expect(run.status).toBe("SUCCEEDED");
    expect((run.verification as { outcome: string }).outcome).toBe("verified");

    const types = events.map((e) => e.type);
    const ready = payloadOf<{ image: string }>(events, "environment.ready")!;
    const changed = payloadOf<{ image: string; built: boolean; files: string[]; packages: string[] }>(events, "environment.changed")!;
    images.push(changed.image);
    expect(changed).toMatchObject({ built: true, files: ["requirements.txt"], packages: ["./vendor/wordkit"] });
    expect(changed.image).not.toBe(ready.image);
    // In order: the change before the step that needs it, and that step's tests after the new image exists.
    expect(types.indexOf("environment.changing")).toBeLessThan(types.indexOf("environment.changed"));
    const s2Started = events.findIndex((e) => e.type === "step.started" && (e.payload as { stepId: string }).stepId === "s2");
    expect(types.indexOf("environment.changed")).toBeLessThan(s2Started);

    // The final suite reported its tests one by one as they finished (pytest -v lines), before its result.
    const progress = events.filter((e) => e.type === "verification.progress");
    expect(progress.flatMap((e) => (e.payload as { tests: { name: string }[] }).tests.map((t) => t.name))).toEqual(expect.arrayContaining(["tests/test_core.py::test_word_count", "tests/test_longest.py::test_longest_word"]));
    expect(progress.at(-1)!.seq).toBeLessThan(events.find((e) => e.type === "verification.baseline")!.seq);

    // The manifest edit is the step's committed work on the run's branch.
    const diff = await callerFor(owner.id).run.diff({ runId });
    expect(diff?.files.map((f) => f.path).sort()).toEqual(["requirements.txt", "src/textkit/longest.py", "tests/test_longest.py"]);
    const branch = (payloadOf<{ branch: string }>(events, "run.branched")!).branch;
    const requirements = execFileSync("git", ["show", `${branch}:requirements.txt`], { cwd: repoPath }).toString();
    expect(requirements).toMatch(/^\.\/vendor\/slugkit$/m);
    expect(requirements).toMatch(/^\.\/vendor\/wordkit$/m);

    // The image the run continued on has the package and, like every run sandbox, no network.
    const session = await getSandbox().openSession("env-deps-probe", { image: changed.image });
    try {
      const imported = await session.exec(["python3", "-c", "import wordkit; print(wordkit.longest('ab abc'))"]);
      expect(imported.stdout.trim()).toBe("abc");
      const probe = await session.exec(["python3", "-c", "import socket\ns = socket.socket(); s.settimeout(3)\ntry:\n    s.connect(('1.1.1.1', 80)); print('CONNECTED')\nexcept OSError as e:\n    print('BLOCKED', e)"]);
      expect(probe.stdout).toMatch(/^BLOCKED/);
    } finally {
      await session.close();
    }
    // The project's own environment is untouched until the run is merged.
    const environment = await testDb().projectEnvironment.findUniqueOrThrow({ where: { projectId } });
    expect(environment.imageTag).toBe(ready.image);
  });

  it("a package folder that is not in the repository, or an option, is refused with nothing written", async () => {
    runner!.llm.script("planner", JSON.stringify({ steps: [
      { id: "s1", agent: "tool", description: "Add a missing package", tool_name: "pip_install", tool_params: { packages: ["./vendor/nothing-here"] }, depends_on: [] },
      { id: "s2", agent: "tool", description: "Add from another index", tool_name: "pip_install", tool_params: { packages: ["--index-url=http://evil.test/simple"] }, depends_on: [] },
    ] }));
    const { runId } = await callerFor(owner.id).task.create({ projectId, prompt: "Add packages that cannot be added" });
    const run = await waitForRunEnd(runId, 120_000);
    expect(run.status).toBe("FAILED");
    const events = await eventsOf(runId);
    const failures = events.filter((e) => e.type === "environment.change_failed").map((e) => (e.payload as { error: string }).error);
    if (failures.length !== 2) console.error(JSON.stringify(events.map((e) => [e.type, e.payload]), null, 1).slice(0, 6000));
    expect(failures).toHaveLength(2);
    expect(failures.join("\n")).toMatch(/\.\/vendor\/nothing-here is not a Python package folder of the repository/);
    expect(failures.join("\n")).toMatch(/is not a plain requirement/);
    const diff = await callerFor(owner.id).run.diff({ runId });
    expect(diff?.files ?? []).toEqual([]);
  });
});

const NPM_PLAN = JSON.stringify({
  steps: [
    { id: "s1", agent: "tool", description: "Add ms", tool_name: "npm_install", tool_params: { packages: ["ms@2.1.3"] } },
    { id: "s2", agent: "coder", description: "Add seconds(text) on top of ms", file: "src/seconds.ts", depends_on: ["s1"] },
  ],
});
const SECONDS = "```ts\nimport ms from \"ms\";\n\nexport function seconds(text: string): number {\n  return ms(text) / 1000;\n}\n```";
const SECONDS_TESTS = "```ts\nimport { expect, it } from \"vitest\";\nimport { seconds } from \"./seconds\";\n\nit(\"reads durations\", () => {\n  expect(seconds(\"2m\")).toBe(120);\n});\n```";

describe.skipIf(!dockerReady)("npm_install inside a run: npm rewrites package.json and the lockfile, the image is rebuilt", () => {
  let runner: TestRunner | undefined;
  let owner: Awaited<ReturnType<typeof createTestUser>>;
  let projectId: string;
  let repoPath: string;
  let rebuilt: string | undefined;

  beforeAll(async () => {
    runner = await startTestRunner();
    owner = await createTestUser("env-deps-npm");
    projectId = (await callerFor(owner.id).project.create({ name: "mathkit-deps", source: { kind: "local", path: bareRepoOf("ts-mathkit", root) } })).id;
    repoPath = (await testDb().project.findUniqueOrThrow({ where: { id: projectId } })).repoPath;
  });

  afterAll(async () => {
    await runner?.stop();
    if (rebuilt) await getDocker().getImage(rebuilt).remove({ force: true }).catch(() => undefined);
  });

  it("installs ms from the npm registry in the setup container and the next step's vitest imports it", async () => {
    runner!.llm.script("planner", NPM_PLAN);
    runner!.llm.script("coder", SECONDS);
    runner!.llm.script("tester", SECONDS_TESTS);
    const { runId } = await callerFor(owner.id).task.create({ projectId, prompt: "Add seconds(text) using ms" });
    const run = await waitForRunEnd(runId, 400_000);
    const events = await eventsOf(runId);
    if (run.statusReason) console.error(JSON.stringify(events.filter((e) => e.type.startsWith("environment") || e.type === "sandbox.command").map((e) => e.payload), null, 1));
    expect(run.statusReason).toBeNull();
    expect(run.status).toBe("SUCCEEDED");
    const changed = payloadOf<{ image: string; files: string[] }>(events, "environment.changed")!;
    rebuilt = changed.image;
    expect(changed.files).toEqual(["package.json", "package-lock.json"]);
    const branch = (payloadOf<{ branch: string }>(events, "run.branched")!).branch;
    const pkg = JSON.parse(execFileSync("git", ["show", `${branch}:package.json`], { cwd: repoPath }).toString()) as { dependencies?: Record<string, string>; devDependencies?: Record<string, string> };
    expect(pkg.dependencies?.ms).toBe("^2.1.3");
    expect(pkg.devDependencies?.vitest).toBe("2.1.9");
    const lock = JSON.parse(execFileSync("git", ["show", `${branch}:package-lock.json`], { cwd: repoPath }).toString()) as { packages: Record<string, { version?: string }> };
    expect(lock.packages["node_modules/ms"]?.version).toBe("2.1.3");
  });
});
