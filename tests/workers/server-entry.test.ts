import { execFile } from "node:child_process";
import fs from "node:fs";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { closeRunQueue, isEmbeddedDatabase } from "@/server/runner/run-queue";
import { requireDocker } from "@/server/sandbox/docker-test-guard";
import { startFakeLlm, type FakeLlm } from "@/tests/fake-llm/fake-llm-server";
import { callerFor, createTestUser, testDb } from "../helpers/db";
import { spawnEntry, type Child } from "./child-process";
import { waitForRun, workerTestEnv } from "./run-waits";

/**
 * The production entry, server.ts (`npm start`: settings, migrations, Next.js with the git endpoint mounted ahead
 * of it), on one side and `npm run worker`'s code with APP_URL pointing at it and a DATA_DIR of its own on the
 * other: the worker reaches the repository only through server.ts's /internal/git. With a Next build in .next it
 * runs as `npm start` (production); without one (CI runs vitest before Playwright builds) as `npm run dev`.
 */
const dockerReady = await requireDocker("server.ts with a remote worker");
const databaseUrl = inject("databaseUrl");
const embedded = await isEmbeddedDatabase(testDb());
const hasBuild = fs.existsSync(path.resolve(import.meta.dirname, "../../.next/BUILD_ID"));
if (process.env.CI === "true" && embedded) throw new Error("tests/workers/server-entry needs a Postgres server under CI: set TEST_DATABASE_URL.");

const SECRET = "server-entry-worker-secret-0123456789";
const run = promisify(execFile);

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe.skipIf(!dockerReady || embedded)("server.ts (the production entry) with a remote worker", () => {
  let llm: FakeLlm;
  let web: Child;
  let worker: Child;
  let appUrl: string;
  const webDir = fs.mkdtempSync(path.join(os.tmpdir(), "autocode-server-entry-web-"));
  const workerDir = fs.mkdtempSync(path.join(os.tmpdir(), "autocode-server-entry-worker-"));

  beforeAll(async () => {
    llm = await startFakeLlm();
    const port = await freePort();
    appUrl = `http://127.0.0.1:${port}`;
    const common = workerTestEnv({ databaseUrl, llmUrl: llm.url, leaseSeconds: 10 });
    // The web process runs no runs itself: every run must go to the remote worker.
    web = spawnEntry("server.ts", { ...common, NODE_ENV: hasBuild ? "production" : "development", PORT: String(port), HOSTNAME: "127.0.0.1", DATA_DIR: webDir, WORKER_ENABLED: "false", WORKER_SECRET: SECRET, CHROMA_URL: "http://127.0.0.1:9", NEXT_TELEMETRY_DISABLED: "1" }, "server.ts");
    const deadline = Date.now() + 180_000;
    for (;;) {
      // The git endpoint answers ahead of Next.js: 401 without the secret once the server listens.
      const status = await fetch(`${appUrl}/internal/git/none/info/refs`).then((r) => r.status, () => 0);
      if (status === 401) break;
      if (Date.now() > deadline || web.process.exitCode !== null) throw new Error(`server.ts did not start:\n${web.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    worker = spawnEntry("tests/workers/worker-entry.ts", { ...common, DATA_DIR: workerDir, APP_URL: appUrl, WORKER_SECRET: SECRET }, "remote-worker");
    await worker.waitFor((m) => m.ready === true, 120_000, "readiness");
  }, 360_000);

  afterAll(async () => {
    worker?.killGroup("SIGKILL");
    web?.killGroup("SIGTERM");
    // server.ts's own shutdown; past 20 s (a loaded machine) the whole group goes.
    const killer = setTimeout(() => web?.killGroup("SIGKILL"), 20_000);
    await web?.exited;
    clearTimeout(killer);
    await closeRunQueue();
    await llm?.close();
  }, 60_000);

  it("a task runs on the remote worker, its branch comes back through server.ts's git endpoint, and server.ts serves the result", async () => {
    const user = await createTestUser("server-entry");
    const projectId = (await callerFor(user.id).project.create({ name: "server-entry-calc" })).id;
    const repoPath = (await testDb().project.findUniqueOrThrow({ where: { id: projectId } })).repoPath;
    const { runId } = await callerFor(user.id).task.create({ projectId, prompt: "Write add(a, b) in calc.py" });
    const finished = await waitForRun(runId, (r) => !["QUEUED", "RUNNING"].includes(r.status), 240_000, "finished");
    const record = await testDb().run.findUniqueOrThrow({ where: { id: runId } });
    expect([finished.status, record.statusReason]).toEqual(["SUCCEEDED", null]);
    const claimed = (await testDb().runEvent.findFirstOrThrow({ where: { runId, type: "run.claimed" } })).payload as { workerId: string };
    expect(claimed.workerId).toBe(worker.messages.find((m) => m.ready)!.workerId);
    // The worker's cache is in its own DATA_DIR; the web side holds no worktree of the run.
    expect(fs.existsSync(path.join(workerDir, "repo-cache", `${projectId}.git`, "HEAD"))).toBe(true);
    expect(fs.existsSync(`${repoPath}.worktrees/run-${runId}`)).toBe(false);
    const commits = (await testDb().runEvent.findMany({ where: { runId, type: "step.committed" }, orderBy: { seq: "asc" } })).map((e) => (e.payload as { commit: string }).commit);
    const auth = ["-c", `http.extraHeader=Authorization: Bearer ${SECRET}`];
    const remote = (await run("git", [...auth, "ls-remote", `${appUrl}/internal/git/${projectId}`, `refs/heads/autocode/run-${runId}`])).stdout;
    expect(remote.split("\t")[0]).toBe(commits.at(-1));
    // Next.js answers in the same process; the diff reads the branch server.ts received.
    expect((await fetch(`${appUrl}/health`)).status).toBe(200);
    const diff = await callerFor(user.id).run.diff({ runId });
    expect(JSON.stringify(diff)).toContain("calc.py");
  }, 300_000);
});
