import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { resetEnvForTests } from "@/server/env";
import { resolveEnvironment } from "@/server/environments/resolve-environment";
import { getDocker } from "@/server/sandbox/docker-client";
import { requireDocker } from "@/server/sandbox/docker-test-guard";
import { startTestRunner, waitForRunEnd, type TestRunner } from "@/tests/helpers/test-runner";
import { callerFor, createTestUser, testDb } from "../helpers/db";
import { bareRepoOf } from "./fixture-repos";

const dockerReady = await requireDocker("project environments (pnpm, yarn)");
const root = mkdtempSync(path.join(os.tmpdir(), "env-pnpm-"));
process.env.LOCAL_IMPORT_ROOTS = root;
// A step's first vitest run in a fresh 0.5-CPU container can exceed the default 30 s on this loaded 2-core machine.
process.env.SANDBOX_TIMEOUT = "120";
resetEnvForTests();
vi.setConfig({ testTimeout: 600000, hookTimeout: 600000 });

const MINUTES_PLAN = JSON.stringify({ steps: [{ id: "s1", agent: "coder", description: "Add minutes(text) using ms", file: "src/minutes.js", depends_on: [] }] });
const MINUTES_CODE = "```js\nconst ms = require(\"ms\");\n\nfunction minutes(text) {\n  return ms(text) / 60000;\n}\n\nmodule.exports = { minutes };\n```";
const MINUTES_TESTS = "```js\nconst test = require(\"node:test\");\nconst assert = require(\"node:assert\");\nconst { minutes } = require(\"./minutes\");\n\ntest(\"two hours in minutes\", () => {\n  assert.strictEqual(minutes(\"2h\"), 120);\n});\n```";

const CASES = [
  {
    manager: "pnpm",
    install: "pnpm install --frozen-lockfile",
    fixture: "ts-pnpmkit",
    framework: "vitest",
    plan: JSON.stringify({ steps: [{ id: "s1", agent: "coder", description: "Add multiply(a, b)", file: "src/multiply.ts", depends_on: [] }] }),
    code: "```ts\nexport function multiply(a: number, b: number): number {\n  return a * b;\n}\n```",
    tests: "```ts\nimport { describe, expect, it } from \"vitest\";\nimport { multiply } from \"./multiply\";\n\ndescribe(\"multiply\", () => {\n  it(\"multiplies\", () => {\n    expect(multiply(3, 4)).toBe(12);\n  });\n});\n```",
  },
  {
    manager: "yarn",
    install: "yarn install --frozen-lockfile",
    fixture: "js-yarnkit",
    framework: "node:test",
    plan: MINUTES_PLAN,
    code: MINUTES_CODE,
    tests: MINUTES_TESTS,
  },
  {
    // Plug'n'Play: no node_modules at all; the suite runs through `yarn node` with the cache in the image.
    manager: "yarn berry",
    install: "yarn install --immutable",
    fixture: "js-berrykit",
    framework: "node:test",
    plan: MINUTES_PLAN,
    code: MINUTES_CODE,
    tests: MINUTES_TESTS,
  },
] as const;

describe.skipIf(!dockerReady).each(CASES)("a $manager repository, end to end through the worker", (c) => {
  let runner: TestRunner | undefined;
  let owner: Awaited<ReturnType<typeof createTestUser>>;
  let projectId: string;

  beforeAll(async () => {
    runner = await startTestRunner();
    owner = await createTestUser(`env-${c.manager.replace(" ", "-")}`);
    projectId = (await callerFor(owner.id).project.create({ name: c.fixture, source: { kind: "local", path: bareRepoOf(c.fixture, root) } })).id;
    const repoPath = (await testDb().project.findUniqueOrThrow({ where: { id: projectId } })).repoPath;
    // An image of an earlier run on this engine would be reused: this test is about building it with the lockfile's tool.
    const { imageTag } = await resolveEnvironment({ repoRoot: repoPath, overrides: null });
    await getDocker().getImage(imageTag).remove({ force: true }).catch(() => undefined);
  });

  afterAll(async () => {
    await runner?.stop();
  });

  it(`builds the environment with ${c.install} and verifies a task against the repository's ${c.framework} suite`, async () => {
    runner!.llm.script("planner", c.plan);
    runner!.llm.script("coder", c.code);
    runner!.llm.script("tester", c.tests);
    const { runId } = await callerFor(owner.id).task.create({ projectId, prompt: "Add the function with tests" });
    const run = await waitForRunEnd(runId, 540_000);
    const events = await testDb().runEvent.findMany({ where: { runId }, orderBy: { seq: "asc" } });
    if (run.statusReason) console.error(JSON.stringify(events.filter((e) => e.type === "sandbox.command" || e.type.startsWith("environment")).map((e) => e.payload), null, 1).slice(0, 8000));
    expect(run.statusReason).toBeNull();
    expect(run.status).toBe("SUCCEEDED");
    expect(events.find((e) => e.type === "environment.ready")?.payload).toMatchObject({ language: "node", framework: c.framework, built: true });
    const verification = run.verification as { outcome: string; baseline: { baselineAvailable: boolean; regressions: string[]; newTests: { status: string }[] } };
    expect(verification.outcome).toBe("verified");
    expect(verification.baseline.baselineAvailable).toBe(true);
    expect(verification.baseline.regressions).toEqual([]);
    expect(verification.baseline.newTests.map((t) => t.status)).toEqual(["passed"]);
    const environment = await testDb().projectEnvironment.findUniqueOrThrow({ where: { projectId } });
    expect(environment.log).toContain(c.install);
  });
});
