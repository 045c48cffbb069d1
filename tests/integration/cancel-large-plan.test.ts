import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_PLAN_STEPS } from "@/server/agents/plan";
import { requireDocker } from "@/server/sandbox/docker-test-guard";
import { startTestRunner, waitForRunEnd, type TestRunner } from "@/tests/helpers/test-runner";
import { callerFor, createTestUser, testDb } from "../helpers/db";

const dockerReady = await requireDocker("cancelling a run with the largest plan (database + runner)");

describe.skipIf(!dockerReady)("cancelling a run costs the same whatever its plan's size", () => {
  let testRunner: TestRunner | undefined;

  beforeAll(async () => {
    testRunner = await startTestRunner();
  });
  afterAll(async () => {
    await testRunner?.stop();
  });

  it(`a ${MAX_PLAN_STEPS}-step plan stops within 2 s and writes no event per step it never started`, async () => {
    const owner = await createTestUser("cancel-large");
    const projectId = (await callerFor(owner.id).project.create({ name: "large plan" })).id;
    for (let i = 0; i < 3; i++) testRunner!.llm.script("coder", { hang: true });
    const steps = Array.from({ length: MAX_PLAN_STEPS }, (_, i) => ({ agent: "coder" as const, description: `Write f${i}`, file: `f${i}.py` }));
    // A chain: each step waits for the one before, so all but the first are waiting when the cancel comes.
    const plan = { steps: steps.map((step, i) => ({ ...step, id: `s${i + 1}`, depends_on: i === 0 ? [] : [`s${i}`] })) };
    const { runId } = await callerFor(owner.id).task.create({ projectId, prompt: "Many steps", plan });
    const deadline = Date.now() + 30_000;
    while (!(await testDb().runEvent.count({ where: { runId, type: "step.started" } }))) {
      if (Date.now() > deadline) throw new Error("the run never started its first step");
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const asked = Date.now();
    await callerFor(owner.id).run.cancel({ runId });
    const run = await waitForRunEnd(runId, 10_000);
    expect(Date.now() - asked).toBeLessThan(2000);
    expect(run.status).toBe("CANCELLED");

    const cancelSeq = (await testDb().runEvent.findFirstOrThrow({ where: { runId, type: "run.cancel_requested" } })).seq;
    const after = await testDb().runEvent.findMany({ where: { runId, seq: { gt: cancelSeq } }, orderBy: { seq: "asc" }, select: { type: true } });
    // The running step ends, then the run: nothing for the steps that never started.
    expect(after.filter((e) => e.type === "step.finished" || e.type === "step.started").length).toBeLessThanOrEqual(2);
    expect(after.at(-1)?.type).toBe("run.finished");
    const rows = await testDb().step.findMany({ where: { runId }, select: { status: true } });
    expect(rows).toHaveLength(MAX_PLAN_STEPS);
    expect(rows.every((row) => row.status === "CANCELLED")).toBe(true);
  });
});
