import { afterAll, beforeAll } from "vitest";
import { callerFor, createTestUser } from "./db";
import { startTestRunner, type TestRunner } from "./test-runner";

type TestUser = Awaited<ReturnType<typeof createTestUser>>;

export interface RunnerProject {
  runner: TestRunner;
  /** Owns `projectId`; the stranger has no access to it. */
  owner: TestUser;
  stranger: TestUser;
  projectId: string;
}

/**
 * Called inside a describe: a worker as the app runs it (startTestRunner), an owner with one project and a stranger,
 * ready before the block's tests and stopped after them. The fields are filled in by beforeAll.
 */
export function useRunnerProject(name: string, options: Parameters<typeof startTestRunner>[0] = {}): RunnerProject {
  const ctx = {} as RunnerProject;
  let started: TestRunner | undefined;
  beforeAll(async () => {
    ctx.runner = started = await startTestRunner(options);
    ctx.owner = await createTestUser(`${name}-owner`);
    ctx.stranger = await createTestUser(`${name}-stranger`);
    ctx.projectId = (await callerFor(ctx.owner.id).project.create({ name })).id;
  });
  afterAll(async () => {
    await started?.stop();
  });
  return ctx;
}
