import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import superjson from "superjson";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { subscribeSse, subscriptionUrl } from "@/bench/lib/sse-subscriber";
import { handleTrpcRequest } from "@/server/api/handle-trpc-request";
import { closeRunQueue, isEmbeddedDatabase, sendRunJob } from "@/server/runner/run-queue";
import { requireDocker } from "@/server/sandbox/docker-test-guard";
import { DEFAULT_CODE, defaultAnswer, startFakeLlm, type FakeLlm, type RecordedRequest } from "@/tests/fake-llm/fake-llm-server";
import { serveFetch } from "@/tests/helpers/serve-fetch";
import { callerFor, createTestUser, testDb } from "../helpers/db";
import { spawnEntry, type Child, type Message } from "./child-process";
import { expectNoContainers, waitForEvent, waitForRun, workerTestEnv } from "./run-waits";

/**
 * Separate processes, as deployed: this test process and a web-like child create and watch runs, two worker
 * children (the real `npm run worker` path) take them from pg-boss on the same Postgres, against the real
 * Docker sandbox and a fake model server over HTTP.
 */
const dockerReady = await requireDocker("workers (separate processes, pg-boss, Docker)");
const databaseUrl = inject("databaseUrl");
const embedded = await isEmbeddedDatabase(testDb());
if (embedded) {
  // The embedded PGlite serialises transactions across connections and does not deliver NOTIFY between them,
  // so runs cannot be shared between processes there (docs/workers.md); CI always has a Postgres server.
  if (process.env.CI === "true") throw new Error("tests/workers need a Postgres server under CI: set TEST_DATABASE_URL.");
  console.warn("\n!!! SKIPPING tests/workers: the test database is the embedded PGlite; set TEST_DATABASE_URL to a Postgres server.\n");
}

const LEASE_SECONDS = 4;
// Long enough for the slow run to finish its step, container and critic on a CI machine running other suites
// beside this one (10 s was not: the slow run was interrupted once in CI at load).
const SHUTDOWN_GRACE_SECONDS = 30;
const PER_WORKER = 2;
const PER_USER = 3;
const VIEWERS = 200;

interface Interval {
  start: number;
  end: number;
}

/** The most intervals open at one instant (an end at the same instant as a start closes first). */
function maxOverlap(intervals: Interval[]): number {
  const points = intervals.flatMap((i) => [
    { at: i.start, delta: 1 },
    { at: i.end, delta: -1 },
  ]);
  points.sort((a, b) => a.at - b.at || a.delta - b.delta);
  let open = 0;
  let max = 0;
  for (const point of points) max = Math.max(max, (open += point.delta));
  return max;
}

const codeFor = (file: string) => `File: ${file}\n\`\`\`python\n${DEFAULT_CODE}\`\`\`\n`;

describe.skipIf(!dockerReady || embedded)("workers in separate processes", () => {
  let llm: FakeLlm;
  let web: Child;
  const workers: Child[] = [];
  const allWorkers: Child[] = [];
  const ready: Message[] = [];
  let alice: Awaited<ReturnType<typeof createTestUser>>;
  let bob: Awaited<ReturnType<typeof createTestUser>>;
  let aliceProject: string;
  let bobProject: string;

  beforeAll(async () => {
    llm = await startFakeLlm();
    alice = await createTestUser("workers-alice");
    bob = await createTestUser("workers-bob");
    aliceProject = (await callerFor(alice.id).project.create({ name: "alice-calc" })).id;
    bobProject = (await callerFor(bob.id).project.create({ name: "bob-calc" })).id;
    const dataDir = process.env.DATA_DIR!;
    fs.mkdirSync(path.join(dataDir, "workers"), { recursive: true });
    const common = {
      ...workerTestEnv({ databaseUrl, llmUrl: llm.url, leaseSeconds: LEASE_SECONDS }),
      MAX_CONCURRENT_RUNS: String(PER_WORKER),
      MAX_CONCURRENT_RUNS_PER_USER: String(PER_USER),
    };
    web = spawnEntry("tests/workers/web-entry.ts", { ...common, DATA_DIR: dataDir }, "web");
    for (const name of ["worker1", "worker2"]) {
      workers.push(spawnEntry("tests/workers/worker-entry.ts", { ...common, DATA_DIR: dataDir, WORKER_SHUTDOWN_GRACE_SECONDS: String(SHUTDOWN_GRACE_SECONDS) }, name));
    }
    await web.waitFor((m) => m.ready === true, 60_000, "readiness");
    allWorkers.push(...workers);
    for (const worker of workers) ready.push(await worker.waitFor((m) => m.ready === true, 90_000, "readiness"));
  });

  afterAll(async () => {
    // Each child's output, for reading after a failure.
    const logDir = fs.mkdtempSync(path.join(os.tmpdir(), "workers-test-logs-"));
    for (const [name, child] of [["web", web], ...allWorkers.map((w, i) => [`worker${i + 1}`, w] as const)] as const) {
      if (child) fs.writeFileSync(path.join(logDir, `${name}.log`), child.output());
    }
    console.log(`[tests/workers] child process output in ${logDir}`);
    web?.process.stdin?.end();
    for (const worker of workers) worker.killGroup("SIGKILL");
    web?.killGroup("SIGKILL");
    await closeRunQueue();
    await llm?.close();
  });

  it("completes 20 concurrent runs on two workers, each once, with complete ordered records streamed to another process", async () => {
    const created = await Promise.all(
      Array.from({ length: 20 }, (_, i) => {
        const [user, projectId] = i % 2 ? [bob, bobProject] : [alice, aliceProject];
        return callerFor(user.id).task.create({ projectId, prompt: `Write add(a, b) in calc.py, take ${i}` });
      }),
    );
    const runIds = created.map((c) => c.runId);
    for (const runId of runIds) web.send({ stream: runId });
    // A second job for every run: the database claim must still let each run execute once.
    for (const runId of runIds) await sendRunJob({ db: testDb(), runId });

    for (const runId of runIds) await waitForRun(runId, (r) => !["QUEUED", "RUNNING"].includes(r.status), 240_000, "finished");
    for (const runId of runIds) await web.waitFor((m) => m.streamed === runId, 10_000, `the end of run ${runId}'s stream`);

    const runs = await testDb().run.findMany({ where: { id: { in: runIds } }, include: { task: true } });
    for (const run of runs.filter((r) => r.status !== "SUCCEEDED")) {
      const events = await testDb().runEvent.findMany({ where: { runId: run.id }, orderBy: { seq: "asc" } });
      console.error(`[tests/workers] run ${run.id} ${run.status}: ${run.statusReason}\n${events.map((e) => `  ${e.createdAt.toISOString()} ${e.seq} ${e.type} ${JSON.stringify(e.payload).slice(0, 300)}`).join("\n")}`);
    }
    expect(runs.map((r) => [r.status, r.statusReason])).toEqual(runs.map(() => ["SUCCEEDED", null]));
    const claimedBy = new Map<string, string>();
    for (const runId of runIds) {
      const events = await testDb().runEvent.findMany({ where: { runId }, orderBy: { seq: "asc" } });
      const seqs = events.map((e) => e.seq);
      expect(seqs).toEqual(events.map((_, i) => i + 1));
      const types = events.map((e) => e.type);
      expect(types[0]).toBe("run.queued");
      expect(types.at(-1)).toBe("run.finished");
      expect(types.filter((t) => t === "run.claimed")).toHaveLength(1);
      expect(types.filter((t) => t === "run.finished")).toHaveLength(1);
      for (const type of ["run.started", "plan.created", "sandbox.command", "test.result", "verdict"]) expect(types).toContain(type);
      claimedBy.set(runId, (events.find((e) => e.type === "run.claimed")!.payload as { workerId: string }).workerId);
      // The web-like process saw exactly the stored record, in order, through LISTEN/NOTIFY and reads.
      const streamed = web.messages.filter((m) => (m.event as { runId?: string } | undefined)?.runId === runId).map((m) => (m.event as { seq: number }).seq);
      expect(streamed).toEqual(seqs);
    }
    const workerIds = ready.map((m) => m.workerId as string);
    expect(new Set(claimedBy.values())).toEqual(new Set(workerIds));

    // Limits, from the record: a worker held at most MAX_CONCURRENT_RUNS, a user had at most MAX_CONCURRENT_RUNS_PER_USER.
    const interval = (r: (typeof runs)[number]) => ({ start: r.startedAt!.getTime(), end: r.finishedAt!.getTime() });
    for (const workerId of workerIds) expect(maxOverlap(runs.filter((r) => claimedBy.get(r.id) === workerId).map(interval))).toBeLessThanOrEqual(PER_WORKER);
    for (const user of [alice, bob]) expect(maxOverlap(runs.filter((r) => r.task.authorId === user.id).map(interval))).toBeLessThanOrEqual(PER_USER);
    expect(maxOverlap(runs.map(interval))).toBeGreaterThan(PER_WORKER); // both workers really ran at once
  }, 300_000);

  it("streams a real run live over HTTP to 200 viewers, half with an API token, half with a share link: each gets every stored event once, and the run succeeds", async () => {
    // This process is the web app here: the real tRPC handler over HTTP, events heard from the worker by NOTIFY.
    const served = await serveFetch((req) => handleTrpcRequest(req, async () => null));
    const base = `${served.url}/api/trpc`;
    const subscriptions: ReturnType<typeof subscribeSse>[] = [];
    try {
      const { token: apiToken } = await callerFor(alice.id).token.create({ name: "viewers" });
      // The plan waits until every viewer is connected, so the run's work is all watched live.
      let everyoneConnected!: () => void;
      const connectedAll = new Promise<void>((resolve) => (everyoneConnected = resolve));
      llm.script("planner", async (request) => (await connectedAll, defaultAnswer(request)));
      const { runId } = await callerFor(alice.id).task.create({ projectId: aliceProject, prompt: "Write add(a, b) in calc.py, watched by 200" });
      const { token: shareToken } = await callerFor(alice.id).share.create({ runId });
      const connected = new Set<number>();
      const seen = Array.from({ length: VIEWERS }, () => [] as number[]);
      for (const [viewer, seqs] of seen.entries()) {
        const shared = viewer % 2 === 1;
        subscriptions.push(
          subscribeSse({
            url: shared ? subscriptionUrl(base, "share.events", { token: shareToken }) : subscriptionUrl(base, "run.events", { runId }),
            headers: shared ? {} : { authorization: `Bearer ${apiToken}` },
            onMessage: (message) => {
              if (message.event === "connected" && connected.add(viewer).size === VIEWERS) everyoneConnected();
              if (message.event === "message" && message.data) seqs.push(superjson.parse<{ seq: number }>(message.data).seq);
            },
          }),
        );
      }
      const stalled = setTimeout(everyoneConnected, 60_000); // not all connected: the run goes on, the size check below says so
      await connectedAll;
      clearTimeout(stalled);
      expect(connected.size).toBe(VIEWERS);
      await waitForRun(runId, (r) => !["QUEUED", "RUNNING"].includes(r.status), 180_000, "finished");
      // Each stream ends by itself after run.finished.
      await Promise.all(subscriptions.map((subscription) => subscription.ended));
      const record = await testDb().run.findUniqueOrThrow({ where: { id: runId }, select: { status: true, statusReason: true, lastSeq: true } });
      expect([record.status, record.statusReason]).toEqual(["SUCCEEDED", null]);
      const all = Array.from({ length: record.lastSeq }, (_, i) => i + 1);
      for (const seqs of seen) expect(seqs).toEqual(all);
    } finally {
      for (const subscription of subscriptions) subscription.close();
      served.server.closeAllConnections();
      await new Promise((resolve) => served.server.close(resolve));
    }
  }, 300_000);

  it("cancels a run held by a worker process from another process within 2 seconds", async () => {
    llm.script("coder", { hang: true });
    const { runId } = await callerFor(alice.id).task.create({ projectId: aliceProject, prompt: "Write add(a, b) in calc.py slowly" });
    await waitForEvent(runId, "step.started", "s1", 30_000);
    await waitForRun(runId, (r) => r.status === "RUNNING", 5000, "running");
    const asked = Date.now();
    web.send({ cancel: runId, userId: alice.id });
    const run = await waitForRun(runId, (r) => r.status !== "RUNNING", 10_000, "stopped");
    const tookMs = Date.now() - asked;
    expect(run.status).toBe("CANCELLED");
    expect(tookMs).toBeLessThan(2000);
    await expectNoContainers(runId);
  });

  it("marks a run interrupted after its worker is killed (SIGKILL), naming the last completed step, losing nothing", async () => {
    llm.script("planner", JSON.stringify({ steps: [
      { id: "s1", agent: "coder", description: "Write add(a, b) in calc.py", file: "calc.py", depends_on: [] },
      { id: "s2", agent: "coder", description: "Write add(a, b) in more.py", file: "more.py", depends_on: ["s1"] },
    ] }));
    llm.script("coder", codeFor("calc.py"), { hang: true });
    const { runId } = await callerFor(bob.id).task.create({ projectId: bobProject, prompt: "Two files; the second never comes" });
    await waitForEvent(runId, "step.started", "s2", 60_000);
    const holder = (await testDb().run.findUniqueOrThrow({ where: { id: runId } })).workerId;
    const victimIndex = ready.findIndex((m) => m.workerId === holder);
    expect(victimIndex).toBeGreaterThanOrEqual(0);
    const victim = workers[victimIndex]!;
    victim.killGroup("SIGKILL");
    expect(await victim.exited).not.toBe(0);
    const before = await testDb().runEvent.findMany({ where: { runId }, orderBy: { seq: "asc" } });
    expect(before.map((e) => e.type)).toContain("step.committed");

    const run = await waitForRun(runId, (r) => r.status !== "RUNNING", (LEASE_SECONDS + 15) * 1000, "recovered");
    expect(run.status).toBe("INTERRUPTED");
    expect(run.statusReason).toMatch(/stopped unexpectedly after step s1 completed/);
    const after = await testDb().runEvent.findMany({ where: { runId }, orderBy: { seq: "asc" } });
    expect(after.slice(0, before.length)).toEqual(before);
    expect(after.map((e) => e.type).slice(before.length)).toEqual(["run.finished"]);
    expect(after.map((e) => e.seq)).toEqual(after.map((_, i) => i + 1));
    const steps = await testDb().step.findMany({ where: { runId }, orderBy: { order: "asc" } });
    expect(steps.map((s) => [s.planStepId, s.status])).toEqual([
      ["s1", "SUCCEEDED"],
      ["s2", "CANCELLED"],
    ]);
    await expectNoContainers(runId);
    workers.splice(victimIndex, 1);
    ready.splice(victimIndex, 1);
  }, 90_000);

  it("on SIGTERM takes no new run, lets held runs finish within the grace period and records the rest as interrupted", async () => {
    const [survivor] = workers;
    const pid = ready[0]!.pid as number;
    const slowRun = { id: "" };
    const answer = (request: RecordedRequest) =>
      request.runId === slowRun.id ? { text: codeFor("calc.py"), latencyMs: 1500 } : ({ hang: true } as const);
    llm.script("coder", answer, answer);
    slowRun.id = (await callerFor(alice.id).task.create({ projectId: aliceProject, prompt: "Write add(a, b) in calc.py, slowly" })).runId;
    const { runId: stuckRun } = await callerFor(bob.id).task.create({ projectId: bobProject, prompt: "Write add(a, b) in calc.py, never" });
    await waitForEvent(slowRun.id, "step.started", "s1", 30_000);
    await waitForEvent(stuckRun, "step.started", "s1", 30_000);

    process.kill(pid, "SIGTERM");
    await new Promise((resolve) => setTimeout(resolve, 300));
    const { runId: lateRun } = await callerFor(alice.id).task.create({ projectId: aliceProject, prompt: "Queued after the SIGTERM" });
    expect(await survivor!.exited).toBe(0);

    const slow = await testDb().run.findUniqueOrThrow({ where: { id: slowRun.id } });
    expect([slow.status, slow.statusReason]).toEqual(["SUCCEEDED", null]);
    const stuck = await testDb().run.findUniqueOrThrow({ where: { id: stuckRun } });
    expect(stuck.status).toBe("INTERRUPTED");
    expect(stuck.statusReason).toMatch(/was shut down before any step completed/);
    expect((await testDb().run.findUniqueOrThrow({ where: { id: lateRun } })).status).toBe("QUEUED");
    await expectNoContainers(stuckRun);
    await callerFor(alice.id).run.cancel({ runId: lateRun });
  }, 150_000);
});
