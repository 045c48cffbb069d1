import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { databaseUrl } from "@/server/db/client";
import { isEmbeddedUrl, poolConfigFromUrl } from "@/server/db/pg-config";
import { callerFor, createTestUser, testDb } from "../helpers/db";

/**
 * Deleting a project while one of its runs records a model call (CI: remote-workers' "project deleted while the
 * worker holds it" failed once with "deadlock detected"): the event writer holds its run's row and then inserts
 * usage that references the project; the delete must not hold the project while waiting for that run.
 */
describe.skipIf(isEmbeddedUrl(databaseUrl()))("deleting a project while its run is being written", () => {
  let writer: pg.Client;

  beforeAll(async () => {
    writer = new pg.Client(poolConfigFromUrl(databaseUrl()));
    await writer.connect();
  });

  afterAll(async () => {
    await writer?.end();
  });

  it("waits for the run's writer and then deletes, with no deadlock on either side", async () => {
    const owner = await createTestUser("delete-race");
    const projectId = (await callerFor(owner.id).project.create({ name: "delete-race" })).id;
    const task = await testDb().task.create({ data: { projectId, authorId: owner.id, prompt: "race" } });
    const run = await testDb().run.create({ data: { taskId: task.id, projectId } });

    // The writer's transaction as an llm.call append makes it: the run's row first (its seq) ...
    await writer.query("BEGIN");
    await writer.query(`UPDATE "Run" SET "lastSeq" = "lastSeq" + 1 WHERE id = $1`, [run.id]);
    const deleting = callerFor(owner.id).project.delete({ projectId });
    const outcome = deleting.then(() => "deleted", (error: Error) => error.message);
    await new Promise((resolve) => setTimeout(resolve, 500));
    // ... then the usage row, which references the project (a key-share lock on it).
    await writer.query(
      `INSERT INTO "UsageDay" ("projectId", "authorId", "day", "role", "model", "calls", "tokensIn", "tokensOut", "costUsd") VALUES ($1, $2, now()::date, 'coder', 'fake', 1, 1, 1, 0)`,
      [projectId, owner.id],
    );
    await writer.query("COMMIT");

    expect(await outcome).toBe("deleted");
    expect(await testDb().project.findUnique({ where: { id: projectId } })).toBeNull();
    expect(await testDb().run.findUnique({ where: { id: run.id } })).toBeNull();
    expect(await testDb().usageDay.count({ where: { projectId } })).toBe(0);
  }, 30_000);
});
