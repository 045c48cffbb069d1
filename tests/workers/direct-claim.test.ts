import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type PgBoss from "pg-boss";
import type { Db } from "@/server/db/client";
import { QueueRunner } from "@/server/runner/queue-runner";
import { createBoss, isEmbeddedDatabase, RUN_QUEUE, startBoss } from "@/server/runner/run-queue";
import { appendRunEvent } from "@/server/runs/run-events";
import { testDb } from "../helpers/db";
import { createMigratedDatabase, type MigratedDatabase } from "../helpers/throwaway-database";

/**
 * A worker hears run.queued and claims the run at once, without waiting for its pg-boss job (issue #17: the
 * next run claimed within 50 ms of a slot freeing). Its own database: the fair pick looks at every queued run.
 */
const serverUrl = process.env.TEST_DATABASE_URL;
const embedded = await isEmbeddedDatabase(testDb());
if (embedded && process.env.CI === "true") throw new Error("tests/workers need a Postgres server under CI: set TEST_DATABASE_URL.");

describe.skipIf(!serverUrl || embedded)("a worker claims a queued run directly (needs TEST_DATABASE_URL)", () => {
  let database: Db;
  let boss: PgBoss;
  let runner: QueueRunner;
  let throwaway: MigratedDatabase | undefined;
  let projectId: string;
  let userId: string;

  beforeAll(async () => {
    throwaway = await createMigratedDatabase(serverUrl!, "autocode_direct_claim");
    database = throwaway.db;
    userId = (await database.user.create({ data: { email: "direct@example.test", name: "direct" } })).id;
    // No repository behind it: the claimed run fails at its worktree, which ends it without a model or a container.
    projectId = (await database.project.create({ data: { ownerId: userId, name: "direct", repoPath: "/nonexistent/direct" } })).id;
    boss = await startBoss(createBoss({ url: throwaway.url }));
    // Polling once a minute: a claim within seconds can only come from the run.queued the runner heard.
    runner = new QueueRunner(database, { concurrency: 1, pollMs: 60_000, sweepMs: 60_000, boss, workerId: "direct-claim" });
    await runner.start();
  });

  afterAll(async () => {
    await runner?.stop({ graceMs: 5_000 });
    await boss?.stop({ graceful: false, wait: true, close: true });
    await throwaway?.dispose();
  });

  async function queueWithoutJob(prompt: string): Promise<string> {
    const task = await database.task.create({ data: { projectId, authorId: userId, prompt } });
    const run = await database.run.create({ data: { taskId: task.id, projectId } });
    await appendRunEvent(database, { runId: run.id, type: "run.queued", payload: { taskId: task.id, prompt, contextFiles: [] } });
    return run.id;
  }

  async function waitForEvent(runId: string, type: string) {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const event = await database.runEvent.findFirst({ where: { runId, type } });
      if (event) return event;
      if (Date.now() > deadline) throw new Error(`run ${runId} has no ${type} after 10 s`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  it("claims a run that has no job yet, then the next one once the slot frees", async () => {
    const first = await queueWithoutJob("first");
    const second = await queueWithoutJob("second");
    expect(await boss.getQueueSize(RUN_QUEUE)).toBe(0);

    expect((await waitForEvent(first, "run.claimed")).payload).toMatchObject({ workerId: "direct-claim" });
    // One slot: the second waits for the first's end, then is claimed from the run.finished the runner heard.
    const firstEnd = await waitForEvent(first, "run.finished");
    expect(firstEnd.payload).toMatchObject({ status: "failed" });
    const secondClaim = await waitForEvent(second, "run.claimed");
    expect(secondClaim.payload).toMatchObject({ workerId: "direct-claim" });
    expect(secondClaim.seq).toBe(2);
    await waitForEvent(second, "run.finished");
    expect(await database.run.count({ where: { id: { in: [first, second] }, status: "FAILED" } })).toBe(2);
  });
});
