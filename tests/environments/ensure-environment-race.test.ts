import { afterAll, describe, expect, it } from "vitest";
import { createDb } from "@/server/db/client";
import { ensureEnvironment } from "@/server/environments/ensure-environment";
import { callerFor, createTestUser, testDb } from "../helpers/db";

describe("ensureEnvironment under concurrent first runs", () => {
  // One client per worker process, each with its own connections, as in production.
  const clients = Array.from({ length: 4 }, () => createDb());
  afterAll(() => Promise.all(clients.map((client) => client.$disconnect())));

  it("creates a new project's environment row once when several workers start its first runs together", async () => {
    const owner = await createTestUser("env-race");
    for (let round = 0; round < 5; round++) {
      const projectId = (await callerFor(owner.id).project.create({ name: `race-${round}` })).id;
      const { repoPath } = await testDb().project.findUniqueOrThrow({ where: { id: projectId } });
      await testDb().projectEnvironment.deleteMany({ where: { projectId } });
      const results = await Promise.allSettled(clients.flatMap((client) => [0, 1].map(() => ensureEnvironment({ db: client, projectId, repoRoot: repoPath, trigger: "test" }))));
      expect(results.filter((r) => r.status === "rejected").map((r) => String((r as PromiseRejectedResult).reason))).toEqual([]);
      expect(await testDb().projectEnvironment.count({ where: { projectId } })).toBe(1);
      expect((await testDb().projectEnvironment.findUniqueOrThrow({ where: { projectId } })).state).toBe("READY");
    }
  });
});
