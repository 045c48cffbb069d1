import { describe, expect, it } from "vitest";
import { appendRunEvent } from "@/server/runs/run-events";
import { callerFor, createTestUser, testDb } from "../helpers/db";

describe("a model without a price", () => {
  it("is counted on the run, so the history shows its cost as unknown rather than $0", async () => {
    const db = testDb();
    const owner = await createTestUser("unpriced");
    const projectId = (await callerFor(owner.id).project.create({ name: "unpriced" })).id;
    const task = await db.task.create({ data: { projectId, authorId: owner.id, prompt: "price me" } });
    const run = await db.run.create({ data: { taskId: task.id, projectId, status: "FAILED", queuedAt: new Date(), finishedAt: new Date() } });
    const call = { stepId: null, role: "coder", tokensIn: 10, tokensOut: 5, latencyMs: 1, attempts: 1, estimated: false };
    await appendRunEvent(db, { runId: run.id, type: "llm.call", payload: { ...call, model: "priced", costUsd: 0.03, priced: true } });
    await appendRunEvent(db, { runId: run.id, type: "llm.call", payload: { ...call, model: "local-llama", costUsd: 0, priced: false } });
    // Events written before the flag existed count as priced, as they were shown before.
    await appendRunEvent(db, { runId: run.id, type: "llm.call", payload: { ...call, model: "old", costUsd: 0.01 } });

    const listed = await callerFor(owner.id).run.list({ projectId, limit: 5 });
    expect(listed.runs[0]).toMatchObject({ id: run.id, unpricedCalls: 1, tokensIn: 30 });
    expect(listed.runs[0]!.costUsd).toBeCloseTo(0.04, 10);
    expect((await callerFor(owner.id).run.byId({ runId: run.id })).unpricedCalls).toBe(1);
  });
});
