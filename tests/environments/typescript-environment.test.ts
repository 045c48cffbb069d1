import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { resetEnvForTests } from "@/server/env";
import { ensureEnvironment } from "@/server/environments/ensure-environment";
import { resolveEnvironment } from "@/server/environments/resolve-environment";
import { getDocker } from "@/server/sandbox/docker-client";
import { requireDocker } from "@/server/sandbox/docker-test-guard";
import { startTestRunner, waitForRunEnd, type TestRunner } from "@/tests/helpers/test-runner";
import { callerFor, createTestUser, testDb } from "../helpers/db";
import { bareRepoOf, commitToRepo } from "./fixture-repos";

const dockerReady = await requireDocker("project environments (TypeScript)");
const root = mkdtempSync(path.join(os.tmpdir(), "env-ts-"));
process.env.LOCAL_IMPORT_ROOTS = root;
// A step's first vitest run in a fresh container took more than the default 30 s at load 25 on 2 cores.
process.env.SANDBOX_TIMEOUT = "120";
resetEnvForTests();
// Environment builds and whole runs: minutes on a loaded machine, not the default 60 s.
vi.setConfig({ testTimeout: 480000, hookTimeout: 480000 });

const PLAN = JSON.stringify({ steps: [{ id: "s1", agent: "coder", description: "Add multiply(a, b)", file: "src/multiply.ts", depends_on: [] }] });
const CODE = "```ts\nexport function multiply(a: number, b: number): number {\n  return a * b;\n}\n```";
const TESTS = "```ts\nimport { describe, expect, it } from \"vitest\";\nimport { multiply } from \"./multiply\";\n\ndescribe(\"multiply\", () => {\n  it(\"multiplies\", () => {\n    expect(multiply(3, 4)).toBe(12);\n  });\n  it(\"keeps zero\", () => {\n    expect(multiply(0, 9)).toBe(0);\n  });\n});\n```";

describe.skipIf(!dockerReady)("a TypeScript repository with vitest installed by npm ci, end to end", () => {
  let runner: TestRunner | undefined;
  let owner: Awaited<ReturnType<typeof createTestUser>>;
  let projectId: string;
  let repoPath: string;

  beforeAll(async () => {
    runner = await startTestRunner();
    owner = await createTestUser("env-ts");
    projectId = (await callerFor(owner.id).project.create({ name: "mathkit", source: { kind: "local", path: bareRepoOf("ts-mathkit", root) } })).id;
    repoPath = (await testDb().project.findUniqueOrThrow({ where: { id: projectId } })).repoPath;
    const { imageTag } = await resolveEnvironment({ repoRoot: repoPath, overrides: null });
    await getDocker().getImage(imageTag).remove({ force: true }).catch(() => undefined);
  });

  afterAll(async () => {
    await runner?.stop();
  });

  it("builds the environment with npm ci (through the host's CA bundle) and verifies a task with vitest", async () => {
    runner!.llm.script("planner", PLAN);
    runner!.llm.script("coder", CODE);
    runner!.llm.script("tester", TESTS);
    const { runId } = await callerFor(owner.id).task.create({ projectId, prompt: "Add multiply(a, b) with tests" });
    const run = await waitForRunEnd(runId, 400_000);
    const events = await testDb().runEvent.findMany({ where: { runId }, orderBy: { seq: "asc" } });
    if (run.statusReason) console.error(JSON.stringify(events.filter((e) => e.type === "sandbox.command").map((e) => e.payload), null, 1));
    expect(run.statusReason).toBeNull();
    expect(run.status).toBe("SUCCEEDED");
    expect(events.find((e) => e.type === "environment.ready")?.payload).toMatchObject({ language: "node", framework: "vitest", built: true });
    const commands = events.filter((e) => e.type === "sandbox.command").map((e) => (e.payload as { command: string }).command);
    // The base commit's suite runs beside the step, so its whole-suite command may be recorded first.
    const stepCommand = commands.find((command) => command.includes("src/multiply.test.ts"));
    expect(stepCommand).toContain("vitest run");
    const verification = run.verification as { outcome: string; baseline: { regressions: string[]; newTests: { id: string; status: string }[]; alreadyFailing: string[] } };
    expect(verification.outcome).toBe("verified");
    expect(verification.baseline.regressions).toEqual([]);
    expect(verification.baseline.alreadyFailing).toEqual([]);
    expect(verification.baseline.newTests.map((t) => t.status)).toEqual(["passed", "passed"]);
    const environment = await testDb().projectEnvironment.findUniqueOrThrow({ where: { projectId } });
    expect(environment.log).toContain("npm ci");
    expect(Number(environment.imageBytes)).toBeGreaterThan(0);
    // The image build (npm ci) and two vitest runs in fresh containers (the agents' and the independent re-run).
  }, 420_000);

  it("reuses the image while the lockfile is unchanged and rebuilds it when the lockfile changes", async () => {
    const reused = await ensureEnvironment({ db: testDb(), projectId, repoRoot: repoPath, trigger: "test" });
    expect(reused.built).toBe(false);
    commitToRepo(repoPath, () => {
      const lock = path.join(repoPath, "package-lock.json");
      writeFileSync(lock, `${readFileSync(lock, "utf8").trimEnd()}\n\n`);
    }, "touch the lockfile");
    // An image for exactly these inputs may be left from an earlier test run: this test wants the rebuild.
    const { imageTag } = await resolveEnvironment({ repoRoot: repoPath, overrides: null });
    await getDocker().getImage(imageTag).remove({ force: true }).catch(() => undefined);
    const rebuilt = await ensureEnvironment({ db: testDb(), projectId, repoRoot: repoPath, trigger: "test" });
    expect(rebuilt.built).toBe(true);
    expect(rebuilt.imageTag).not.toBe(reused.imageTag);
    const environment = await testDb().projectEnvironment.findUniqueOrThrow({ where: { projectId } });
    expect(environment).toMatchObject({ state: "READY", trigger: "the setup script, base image or dependency manifests changed" });
  });
});
