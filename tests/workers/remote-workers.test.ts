import { execFile } from "node:child_process";
import fs from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createApiToken } from "@/server/auth/api-tokens";
import { isGitRequest } from "@/server/git/git-http-backend";
import { interruptExpiredRuns } from "@/server/runner/interrupt-run";
import { createWorkerGitHandler } from "@/server/runner/remote-repository";
import { closeRunQueue, isEmbeddedDatabase } from "@/server/runner/run-queue";
import { getDocker } from "@/server/sandbox/docker-client";
import { requireDocker } from "@/server/sandbox/docker-test-guard";
import { DEFAULT_CODE, startFakeLlm, type FakeLlm } from "@/tests/fake-llm/fake-llm-server";
import { callerFor, createTestUser, testDb } from "../helpers/db";
import { loadOldImage } from "../helpers/old-image";
import { spawnEntry, type Child } from "./child-process";
import { expectNoContainers, waitForEvent, waitForRun, workerTestEnv } from "./run-waits";

/**
 * Two machines, as a team would deploy them: this test process is the web app (its DATA_DIR holds the projects'
 * repositories, it serves them at /internal/git over real HTTP) and a worker child process has a DATA_DIR of its
 * own and APP_URL + WORKER_SECRET. Real Postgres, real Docker, the fake model over HTTP.
 */
const dockerReady = await requireDocker("remote workers (git over HTTP, pg-boss, Docker)");
const databaseUrl = inject("databaseUrl");
const embedded = await isEmbeddedDatabase(testDb());
if (embedded && process.env.CI === "true") throw new Error("tests/workers need a Postgres server under CI: set TEST_DATABASE_URL.");

const SECRET = "remote-worker-secret-for-tests-0123456789";
const OLD_IMAGE = `autocodeai-env:remote-old-${process.pid}`;
const LEASE_SECONDS = 4;
const run = promisify(execFile);
const codeFor = (file: string) => `File: ${file}\n\`\`\`python\n${DEFAULT_CODE}\`\`\`\n`;

async function gitIn(cwd: string, ...args: string[]): Promise<string> {
  return (await run("git", args, { cwd })).stdout.trim();
}

describe.skipIf(!dockerReady || embedded)("workers on another machine: repositories over git", () => {
  let llm: FakeLlm;
  let server: Server;
  let appUrl: string;
  let worker: Child;
  let workerDir: string;
  let user: Awaited<ReturnType<typeof createTestUser>>;
  let projectId: string;
  let repoPath: string;
  let common: Record<string, string>;
  /** How many of the next pushes the web app refuses. */
  let refusePushes = 0;

  beforeAll(async () => {
    llm = await startFakeLlm();
    user = await createTestUser("remote-worker");
    projectId = (await callerFor(user.id).project.create({ name: "remote-calc" })).id;
    repoPath = (await testDb().project.findUniqueOrThrow({ where: { id: projectId } })).repoPath;
    const handler = createWorkerGitHandler({ db: testDb, secret: SECRET });
    server = createServer((req, res) => {
      // A web app that cannot take a push just now (refusePushes): the worker's push fails as over a bad network.
      if (req.url?.includes("service=git-receive-pack") && refusePushes > 0) {
        refusePushes--;
        res.writeHead(503).end("busy");
      } else if (isGitRequest(req.url)) void handler(req, res);
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    appUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    workerDir = fs.mkdtempSync(path.join(os.tmpdir(), "autocode-remote-worker-"));
    expect(workerDir).not.toBe(process.env.DATA_DIR);
    common = {
      ...workerTestEnv({ databaseUrl, llmUrl: llm.url, leaseSeconds: LEASE_SECONDS }),
      DATA_DIR: workerDir,
      APP_URL: appUrl,
      WORKER_SECRET: SECRET,
    };
    // An environment image left on this engine years ago and used by nothing: the worker's own sweep removes it.
    await loadOldImage(OLD_IMAGE);
    worker = spawnEntry("tests/workers/worker-entry.ts", common, "remote-worker");
    await worker.waitFor((m) => m.ready === true, 90_000, "readiness");
  });

  afterAll(async () => {
    worker?.killGroup("SIGKILL");
    await getDocker().getImage(OLD_IMAGE).remove({ force: true }).catch(() => undefined);
    server?.close();
    await closeRunQueue();
    await llm?.close();
  });

  it("sweeps old environment images from its own Docker engine (ENV_IMAGE_RETENTION_HOURS), as the web process does from its one", async () => {
    const deadline = Date.now() + 120_000;
    while (await getDocker().getImage(OLD_IMAGE).inspect().then(() => true, () => false)) {
      if (Date.now() > deadline) throw new Error(`the worker left ${OLD_IMAGE} on its engine`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  });

  it("runs a task queued through the API on the remote worker; its branch and commits land in the web app's repository; diff and merge work", async () => {
    const { runId } = await callerFor(user.id).task.create({ projectId, prompt: "Write add(a, b) in calc.py" });
    const finished = await waitForRun(runId, (r) => !["QUEUED", "RUNNING"].includes(r.status), 180_000, "finished");
    const record = await testDb().run.findUniqueOrThrow({ where: { id: runId } });
    expect([finished.status, record.statusReason]).toEqual(["SUCCEEDED", null]);

    const committed = (await testDb().runEvent.findMany({ where: { runId, type: "step.committed" }, orderBy: { seq: "asc" } })).map((e) => (e.payload as { commit: string }).commit);
    expect(committed.length).toBeGreaterThan(0);
    // Every step's commit is in the web app's repository, on the run's branch, in order.
    const branchLog = (await gitIn(repoPath, "log", "--format=%H", `${record.baseCommit}..autocode/run-${runId}`)).split("\n").reverse();
    expect(branchLog).toEqual(committed);
    // The worker worked in its own DATA_DIR: its cache has the objects, the web repository has no worktree of the run.
    expect(fs.existsSync(path.join(workerDir, "repo-cache", `${projectId}.git`, "HEAD"))).toBe(true);
    expect(fs.existsSync(`${repoPath}.worktrees/run-${runId}`)).toBe(false);

    const diff = await callerFor(user.id).run.diff({ runId });
    expect(JSON.stringify(diff)).toContain("calc.py");
    const merged = await callerFor(user.id).run.merge({ runId });
    expect(merged).toMatchObject({ ok: true, kind: "fast-forward", commit: committed.at(-1) });
    expect(await gitIn(repoPath, "show", "HEAD:calc.py")).toContain("def add");
  }, 240_000);

  it("runs a follow-up on the remote worker from the previous turn's unmerged commit, fetched by id into an emptied cache", async () => {
    llm.script("planner", JSON.stringify({ steps: [{ id: "s1", agent: "coder", description: "Write add(a, b) in calc3.py", file: "calc3.py", depends_on: [] }] }));
    const first = await callerFor(user.id).task.create({ projectId, prompt: "Write add(a, b) in calc3.py" });
    expect((await waitForRun(first.runId, (r) => !["QUEUED", "RUNNING"].includes(r.status), 180_000, "finished")).status).toBe("SUCCEEDED");
    const last = (await testDb().runEvent.findMany({ where: { runId: first.runId, type: "step.committed" }, orderBy: { seq: "asc" } })).map((e) => (e.payload as { commit: string }).commit).at(-1)!;
    // The worker removes the first run's worktree and branch from its cache after the run is recorded finished: wait
    // for that, or emptying the cache below races with the worker's own git commands in it (ENOTEMPTY in CI).
    const cache = path.join(workerDir, "repo-cache", `${projectId.replace(/[^A-Za-z0-9_-]/g, "_")}.git`);
    await expect
      .poll(async () => (await gitIn(cache, "for-each-ref", `refs/heads/autocode/run-${first.runId}`)).trim(), { timeout: 60_000 })
      .toBe("");
    // As if another worker had run the first turn: this worker has never seen its commit (not on main either).
    fs.rmSync(path.join(workerDir, "repo-cache"), { recursive: true, force: true, maxRetries: 5 });
    llm.script("planner", JSON.stringify({ steps: [{ id: "s1", agent: "coder", description: "Write add(a, b) in more3.py", file: "more3.py", depends_on: [] }] }));
    const second = await callerFor(user.id).task.followUp({ runId: first.runId, prompt: "Now also more3.py" });
    const finished = await waitForRun(second.runId, (r) => !["QUEUED", "RUNNING"].includes(r.status), 180_000, "finished");
    const record = await testDb().run.findUniqueOrThrow({ where: { id: second.runId } });
    expect([finished.status, record.statusReason]).toEqual(["SUCCEEDED", null]);
    expect(record.baseCommit).toBe(last);
    // The second turn's branch on the web side builds on the first turn's work.
    await gitIn(repoPath, "merge-base", "--is-ancestor", last, `autocode/run-${second.runId}`);
    expect(await gitIn(repoPath, "show", `autocode/run-${second.runId}:calc3.py`)).toContain("def add");
    expect(await gitIn(repoPath, "show", `autocode/run-${second.runId}:more3.py`)).toContain("def add");
  }, 400_000);

  it("retries a refused push with the next one, and fails a run whose branch never reached the web app", async () => {
    // The branch's first push (at the run's start) is refused: the step's push carries it, and the run succeeds whole.
    llm.script("planner", JSON.stringify({ steps: [{ id: "s1", agent: "coder", description: "Write add(a, b) in calc4.py", file: "calc4.py", depends_on: [] }] }));
    refusePushes = 1;
    const retried = await callerFor(user.id).task.create({ projectId, prompt: "Write add(a, b) in calc4.py" });
    const done = await waitForRun(retried.runId, (r) => !["QUEUED", "RUNNING"].includes(r.status), 180_000, "finished");
    expect([done.status, (await testDb().run.findUniqueOrThrow({ where: { id: retried.runId } })).statusReason]).toEqual(["SUCCEEDED", null]);
    expect(refusePushes).toBe(0);
    const committed = (await testDb().runEvent.findMany({ where: { runId: retried.runId, type: "step.committed" }, orderBy: { seq: "asc" } })).map((e) => (e.payload as { commit: string }).commit);
    expect(await gitIn(repoPath, "rev-parse", `autocode/run-${retried.runId}`)).toBe(committed.at(-1));

    // Every push refused: the steps pass on the worker, but a PASS the web app cannot show or merge is not a success.
    llm.script("planner", JSON.stringify({ steps: [{ id: "s1", agent: "coder", description: "Write add(a, b) in calc5.py", file: "calc5.py", depends_on: [] }] }));
    refusePushes = 1_000;
    try {
      const { runId } = await callerFor(user.id).task.create({ projectId, prompt: "Write add(a, b) in calc5.py" });
      const finished = await waitForRun(runId, (r) => !["QUEUED", "RUNNING"].includes(r.status), 180_000, "finished");
      const record = await testDb().run.findUniqueOrThrow({ where: { id: runId } });
      expect(finished.status).toBe("FAILED");
      expect(record.statusReason).toMatch(/Could not push the run's branch to the web app.*committed on the worker, not in the web app/);
      expect(await gitIn(repoPath, "for-each-ref", `refs/heads/autocode/run-${runId}`)).toBe("");
    } finally {
      refusePushes = 0;
    }
  }, 400_000);

  it("refuses a wrong WORKER_SECRET and a user's API token, over HTTP and over git", async () => {
    const { token } = await createApiToken({ db: testDb(), userId: user.id, name: "not-for-git" });
    const infoRefs = `${appUrl}/internal/git/${projectId}/info/refs?service=git-upload-pack`;
    const basic = (secret: string) => `Basic ${Buffer.from(`worker:${secret}`).toString("base64")}`;
    for (const authorization of [undefined, "Bearer wrong-secret-wrong-secret", basic("wrong"), `Bearer ${token}`, basic(token)]) {
      const res = await fetch(infoRefs, { headers: authorization ? { authorization } : {} });
      expect(res.status, String(authorization)).toBe(401);
      expect(await res.text()).not.toContain("refs/heads");
    }
    const ok = await fetch(infoRefs, { headers: { authorization: `Bearer ${SECRET}` } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain("refs/heads/main");
    // Paths outside the smart protocol are not served even with the secret (no dumb file reads of .git).
    expect((await fetch(`${appUrl}/internal/git/${projectId}/HEAD`, { headers: { authorization: `Bearer ${SECRET}` } })).status).toBe(404);
    const wrong = run("git", ["-c", "http.extraHeader=Authorization: Bearer wrong-secret-wrong-secret", "ls-remote", `${appUrl}/internal/git/${projectId}`], { env: { ...process.env, GIT_TERMINAL_PROMPT: "0" } });
    await expect(wrong).rejects.toThrow();
  });

  it("takes pushes with the secret only to autocode/run-* branches: main, other branches and tags are refused", async () => {
    const clone = fs.mkdtempSync(path.join(os.tmpdir(), "autocode-push-limit-"));
    const auth = ["-c", `http.extraHeader=Authorization: Bearer ${SECRET}`];
    const remote = `${appUrl}/internal/git/${projectId}`;
    await run("git", [...auth, "clone", "--quiet", remote, clone], { env: { ...process.env, GIT_TERMINAL_PROMPT: "0" } });
    await gitIn(clone, "-c", "user.name=t", "-c", "user.email=t@example.test", "commit", "--allow-empty", "-qm", "not a run");
    const mainBefore = await gitIn(repoPath, "rev-parse", "refs/heads/main");
    for (const ref of ["HEAD:refs/heads/main", "HEAD:refs/heads/feature", "HEAD:refs/tags/v9", "HEAD:refs/heads/autocode/other"]) {
      const pushed = run("git", [...auth, "push", remote, ref], { cwd: clone, env: { ...process.env, GIT_TERMINAL_PROMPT: "0" } });
      await expect(pushed, ref).rejects.toThrow(/refused: workers push only refs\/heads\/autocode\/run-\* branches/);
    }
    expect(await gitIn(repoPath, "rev-parse", "refs/heads/main")).toBe(mainBefore);
    expect(await gitIn(repoPath, "for-each-ref", "--format=%(refname)", "refs/tags", "refs/heads/feature")).toBe("");
    await run("git", [...auth, "push", "--quiet", remote, "HEAD:refs/heads/autocode/run-push-limit"], { cwd: clone });
    expect(await gitIn(repoPath, "rev-parse", "refs/heads/autocode/run-push-limit")).toBe(await gitIn(clone, "rev-parse", "HEAD"));
    await gitIn(repoPath, "update-ref", "-d", "refs/heads/autocode/run-push-limit");
  });

  it("fails a run cleanly when its project is deleted while the worker holds it", async () => {
    const other = (await callerFor(user.id).project.create({ name: "remote-doomed" })).id;
    llm.script("planner", JSON.stringify({ steps: [{ id: "s1", agent: "coder", description: "Write add(a, b) in calc.py", file: "calc.py", depends_on: [] }] }));
    llm.script("coder", { hang: true });
    const { runId } = await callerFor(user.id).task.create({ projectId: other, prompt: "Never finishes" });
    await waitForEvent(runId, "step.started", "s1", 60_000);
    await callerFor(user.id).project.delete({ projectId: other });
    expect(await testDb().run.findUnique({ where: { id: runId } })).toBeNull();
    // The worker lets go: its lease finds the run gone, it aborts, removes its containers and worktree, and keeps serving.
    await expectNoContainers(runId, (LEASE_SECONDS + 20) * 1000);
    const worktree = path.join(workerDir, "repo-cache", `${other}.git.worktrees`, `run-${runId}`);
    const deadline = Date.now() + 20_000;
    while (fs.existsSync(worktree) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
    expect(fs.existsSync(worktree)).toBe(false);
    // Nor does the deleted project's code stay on the worker's disk: its repository cache is removed.
    const cache = path.join(workerDir, "repo-cache", `${other}.git`);
    while (fs.existsSync(cache) && Date.now() < deadline + 20_000) await new Promise((resolve) => setTimeout(resolve, 200));
    expect(fs.existsSync(cache)).toBe(false);
    expect(fs.existsSync(path.join(workerDir, "repo-cache", `${projectId}.git`))).toBe(true);
    expect(worker.process.exitCode).toBeNull();
    // Its repository is no longer served.
    expect((await fetch(`${appUrl}/internal/git/${other}/info/refs?service=git-upload-pack`, { headers: { authorization: `Bearer ${SECRET}` } })).status).toBe(404);
  }, 120_000);

  it("keeps the steps pushed before the worker is killed and marks the run interrupted", async () => {
    llm.script("planner", JSON.stringify({ steps: [
      { id: "s1", agent: "coder", description: "Write add(a, b) in calc2.py", file: "calc2.py", depends_on: [] },
      { id: "s2", agent: "coder", description: "Write add(a, b) in more.py", file: "more.py", depends_on: ["s1"] },
    ] }));
    llm.script("coder", codeFor("calc2.py"), { hang: true });
    const { runId } = await callerFor(user.id).task.create({ projectId, prompt: "Two files; the second never comes" });
    await waitForEvent(runId, "step.started", "s2", 90_000);
    const committed = (await testDb().runEvent.findMany({ where: { runId, type: "step.committed" } })).map((e) => (e.payload as { commit: string }).commit);
    expect(committed).toHaveLength(1);
    // In the web app's repository while the run is still going: pushed commit by commit, beside the next step.
    await expect.poll(() => gitIn(repoPath, "rev-parse", `autocode/run-${runId}`).catch(() => ""), { timeout: 10_000 }).toBe(committed[0]);

    worker.killGroup("SIGKILL");
    expect(await worker.exited).not.toBe(0);
    await new Promise((resolve) => setTimeout(resolve, (LEASE_SECONDS + 1) * 1000));
    // The web process's own sweep (its in-process runner's) closes the run of the dead worker.
    expect(await interruptExpiredRuns(testDb())).toContain(runId);
    const record = await testDb().run.findUniqueOrThrow({ where: { id: runId } });
    expect(record.status).toBe("INTERRUPTED");
    expect(record.statusReason).toMatch(/stopped unexpectedly after step s1 completed/);
    expect(await gitIn(repoPath, "show", `autocode/run-${runId}:calc2.py`)).toContain("def add");
    await expectNoContainers(runId);
  }, 150_000);
});
