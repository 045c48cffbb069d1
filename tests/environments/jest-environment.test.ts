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

const dockerReady = await requireDocker("project environments (jest)");
const root = mkdtempSync(path.join(os.tmpdir(), "env-jest-"));
process.env.LOCAL_IMPORT_ROOTS = root;
// jest's first start in a 0.5-CPU container takes more than the default 30 s on this loaded 2-core machine.
process.env.SANDBOX_TIMEOUT = "120";
resetEnvForTests();
// npm ci of jest plus a whole run took 8.5 min here at load 30 on 2 cores.
vi.setConfig({ testTimeout: 900000, hookTimeout: 900000 });

const PLAN = JSON.stringify({ steps: [{ id: "s1", agent: "coder", description: "Add repeat(text, n)", file: "src/repeat.js", depends_on: [] }] });
const CODE = "```js\nfunction repeat(text, n) {\n  return Array(n).fill(text).join(\" \");\n}\n\nmodule.exports = { repeat };\n```";
const TESTS = "```js\nconst { repeat } = require(\"./repeat\");\n\ntest(\"repeats with spaces\", () => {\n  expect(repeat(\"ab\", 3)).toBe(\"ab ab ab\");\n});\n\ntest(\"zero times is empty\", () => {\n  expect(repeat(\"ab\", 0)).toBe(\"\");\n});\n```";

describe.skipIf(!dockerReady)("a JavaScript repository with jest installed by npm ci, end to end", () => {
  let runner: TestRunner | undefined;
  let owner: Awaited<ReturnType<typeof createTestUser>>;
  let projectId: string;

  beforeAll(async () => {
    runner = await startTestRunner();
    owner = await createTestUser("env-jest");
    projectId = (await callerFor(owner.id).project.create({ name: "jestkit", source: { kind: "local", path: bareRepoOf("js-jestkit", root) } })).id;
    // The image of an earlier run on this engine would be reused (built: false): this test is about building it.
    const repoPath = (await testDb().project.findUniqueOrThrow({ where: { id: projectId } })).repoPath;
    const { imageTag } = await resolveEnvironment({ repoRoot: repoPath, overrides: null });
    await getDocker().getImage(imageTag).remove({ force: true }).catch(() => undefined);
  });

  afterAll(async () => {
    await runner?.stop();
  });

  it("builds the environment (npm ci of jest from the registry), runs a task to verified with jest's JSON report and per-test progress", async () => {
    runner!.llm.script("planner", PLAN);
    runner!.llm.script("coder", CODE);
    runner!.llm.script("tester", TESTS);
    const { runId } = await callerFor(owner.id).task.create({ projectId, prompt: "Add repeat(text, n) with tests" });
    const run = await waitForRunEnd(runId, 840_000);
    const events = await testDb().runEvent.findMany({ where: { runId }, orderBy: { seq: "asc" } });
    if (run.statusReason) console.error(JSON.stringify(events.filter((e) => e.type === "sandbox.command" || e.type.startsWith("environment")).map((e) => e.payload), null, 1).slice(0, 8000));
    expect(run.statusReason).toBeNull();
    expect(run.status).toBe("SUCCEEDED");
    expect(events.find((e) => e.type === "environment.ready")?.payload).toMatchObject({ language: "node", framework: "jest", built: true });
    const verification = run.verification as { outcome: string; baseline: { regressions: string[]; newTests: { id: string; status: string }[]; baselineAvailable: boolean } };
    expect(verification.outcome).toBe("verified");
    expect(verification.baseline.baselineAvailable).toBe(true);
    expect(verification.baseline.regressions).toEqual([]);
    expect(verification.baseline.newTests.map((t) => t.status)).toEqual(["passed", "passed"]);
    const environment = await testDb().projectEnvironment.findUniqueOrThrow({ where: { projectId } });
    expect(environment.log).toContain("npm ci");
    // jest --verbose prints a line per test: the final suite reported them as they finished.
    const progressed = events.filter((e) => e.type === "verification.progress").flatMap((e) => (e.payload as { tests: { name: string }[] }).tests.map((t) => t.name));
    expect(progressed).toEqual(expect.arrayContaining(["capitalises each word", "repeats with spaces", "zero times is empty"]));
  });
});
