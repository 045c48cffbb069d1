import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "@/server/db/client";
import { pickFairRun } from "@/server/runner/pick-fair-run";
import { claimRun } from "@/server/runs/execute-run";
import { appendRunEvent } from "@/server/runs/run-events";
import { createMigratedDatabase, type MigratedDatabase } from "../helpers/throwaway-database";

// A database of its own: the fair pick looks at every queued run, and other suites leave theirs queued in the shared one.
const serverUrl = process.env.TEST_DATABASE_URL;
let database: Db;

/** Claims what the fair pick names, as a worker does, and returns that run's label. */
async function claimNext(labels: Map<string, string>, perUserLimit?: number): Promise<string | null> {
  const runId = await pickFairRun({ db: database, perUserLimit });
  if (!runId) return null;
  expect(await claimRun({ db: database, runId, workerId: "fair-test", perUserLimit })).toBe("claimed");
  return labels.get(runId) ?? `unknown ${runId}`;
}

const finish = (runId: string) => appendRunEvent(database, { runId, type: "run.finished", payload: { status: "succeeded", reason: null } });

async function queueRun(userId: string, projectId: string, prompt: string): Promise<string> {
  const task = await database.task.create({ data: { projectId, authorId: userId, prompt } });
  const run = await database.run.create({ data: { taskId: task.id, projectId } });
  await appendRunEvent(database, { runId: run.id, type: "run.queued", payload: { taskId: task.id, prompt, contextFiles: [] } });
  return run.id;
}

describe.skipIf(!serverUrl)("the fair claim across users (needs TEST_DATABASE_URL)", () => {
  let throwaway: MigratedDatabase | undefined;
  const first = { id: "" };
  const second = { id: "" };
  let firstProject: string;
  let secondProject: string;

  beforeAll(async () => {
    throwaway = await createMigratedDatabase(serverUrl!, "autocode_fair");
    database = throwaway.db;
    for (const [user, name] of [[first, "first"], [second, "second"]] as const) {
      user.id = (await database.user.create({ data: { email: `fair-${name}@example.test`, name } })).id;
    }
    firstProject = (await database.project.create({ data: { ownerId: first.id, name: "busy", repoPath: "/nonexistent/busy" } })).id;
    secondProject = (await database.project.create({ data: { ownerId: second.id, name: "patient", repoPath: "/nonexistent/patient" } })).id;
  });

  afterAll(async () => {
    await throwaway?.dispose();
  });

  it("takes users in turn: a second user's run goes next, not behind the first user's queue", async () => {
    const labels = new Map<string, string>();
    for (const n of [1, 2, 3]) labels.set(await queueRun(first.id, firstProject, `first ${n}`), `A${n}`);
    labels.set(await queueRun(second.id, secondProject, "second 1"), "B1");
    const byLabel = new Map([...labels].map(([id, label]) => [label, id]));

    // Two slots: A1, then B1 (the second user has nothing running), then A2 once a slot frees.
    expect(await claimNext(labels)).toBe("A1");
    expect(await claimNext(labels)).toBe("B1");
    await finish(byLabel.get("A1")!);
    expect(await claimNext(labels)).toBe("A2");
    await finish(byLabel.get("B1")!);
    await finish(byLabel.get("A2")!);
    expect(await claimNext(labels)).toBe("A3");
    expect(await claimNext(labels)).toBeNull();
    await finish(byLabel.get("A3")!);
  });

  it("serves the user served least recently when both have runs running, and skips users at their limit", async () => {
    const labels = new Map<string, string>();
    for (const n of [1, 2, 3]) labels.set(await queueRun(first.id, firstProject, `again first ${n}`), `A${n}`);
    for (const n of [1, 2]) labels.set(await queueRun(second.id, secondProject, `again second ${n}`), `B${n}`);
    // The first user was served last (A3 above), so the second goes first; with a limit of one run each a user at the limit waits.
    expect(await claimNext(labels, 1)).toBe("B1");
    expect(await claimNext(labels, 1)).toBe("A1");
    expect(await claimNext(labels, 1)).toBeNull();
    const byLabel = new Map([...labels].map(([id, label]) => [label, id]));
    await finish(byLabel.get("A1")!);
    await finish(byLabel.get("B1")!);
    // Both free again: the second user was served before the first, so the second goes next, and so on in turn.
    expect(await claimNext(labels)).toBe("B2");
    expect(await claimNext(labels)).toBe("A2");
    expect(await claimNext(labels)).toBe("A3");
  });
});
