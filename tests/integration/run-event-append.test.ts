import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, databaseUrl, type Db } from "@/server/db/client";
import { isEmbeddedUrl, poolConfigFromUrl } from "@/server/db/pg-config";
import { NOTIFY_PAYLOAD_BYTES, parseRunNotification, RUN_EVENTS_CHANNEL, runBus } from "@/server/runs/run-bus";
import { appendRunEvent, appendRunEventTx, listRunEvents, type StoredEvent } from "@/server/runs/run-events";
import type { RunEventInput } from "@/server/runs/events/contract";
import { callerFor, createTestUser, testDb } from "../helpers/db";

/**
 * Events that leave the record as it is are stored in one statement, the others in a transaction that folds
 * them into the run (run-events.ts). Both paths share the run's seq counter, the contract and the NOTIFY.
 */
describe("appending run events", () => {
  let projectId: string;
  let userId: string;
  let second: Db | undefined;

  beforeAll(async () => {
    const owner = await createTestUser("append-owner");
    userId = owner.id;
    projectId = (await callerFor(owner.id).project.create({ name: "append" })).id;
    // A second client, as a second process: two pools writing one run's events at once.
    if (!isEmbeddedUrl(databaseUrl())) second = createDb();
  });

  afterAll(async () => {
    await second?.$disconnect();
  });

  async function newRun(): Promise<string> {
    const task = await testDb().task.create({ data: { projectId, authorId: userId, prompt: "append" } });
    return (await testDb().run.create({ data: { taskId: task.id, projectId } })).id;
  }

  const tokens = (runId: string, n: number): RunEventInput => ({ runId, type: "llm.tokens", payload: { role: "coder", stepId: "s1", text: `token ${n}` } });
  const call = (runId: string, n: number): RunEventInput => ({
    runId,
    type: "llm.call",
    payload: { role: "coder", stepId: null, model: "fake", tokensIn: n, tokensOut: 1, costUsd: 0 },
  });

  it("gives gap-free seqs when both paths write one run at once from two clients, and folds only what changes the record", async () => {
    const runId = await newRun();
    await appendRunEvent(testDb(), { runId, type: "run.queued", payload: { taskId: "t", prompt: "append", contextFiles: [] } });
    const writers = [testDb(), second ?? testDb()];
    await Promise.all(Array.from({ length: 40 }, (_, n) => appendRunEvent(writers[n % 2]!, n % 4 === 0 ? call(runId, n) : tokens(runId, n))));

    const events = await listRunEvents({ db: testDb(), runId });
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 41 }, (_, i) => i + 1));
    expect(events.filter((e) => e.type === "llm.tokens")).toHaveLength(30);
    const run = await testDb().run.findUniqueOrThrow({ where: { id: runId } });
    expect(run.lastSeq).toBe(41);
    // Ten llm.call events went through the fold: the usage is their sum; the tokens changed nothing.
    expect(run.tokensIn).toBe([0, 4, 8, 12, 16, 20, 24, 28, 32, 36].reduce((a, b) => a + b, 0));
    expect(run.status).toBe("QUEUED");
  });

  it("returns and stores the same event either way: payload, time, version, escaped text", async () => {
    const runId = await newRun();
    const neutral = await appendRunEvent(testDb(), { runId, type: "sandbox.output", payload: { stepId: "s1", command: "pytest", stdout: "a\u0000b", stderr: "", skippedBytes: 0 } });
    const folded = await appendRunEvent(testDb(), { runId, type: "run.started", payload: { task: "append", settings: {} } });
    expect(neutral.createdAt).toBeInstanceOf(Date);
    expect(folded.createdAt).toBeInstanceOf(Date);
    const stored = await listRunEvents({ db: testDb(), runId });
    expect(stored).toEqual([
      { seq: 1, type: "sandbox.output", payload: neutral.payload, createdAt: neutral.createdAt, version: neutral.version },
      { seq: 2, type: "run.started", payload: folded.payload, createdAt: folded.createdAt, version: folded.version },
    ]);
    // NUL cannot be stored in Postgres text: escaped and marked, on the one-statement path too.
    expect(stored[0]!.payload).toMatchObject({ escaped: ["stdout"] });
    expect(stored[0]!.payload.stdout).not.toContain("\u0000");
    expect((await testDb().run.findUniqueOrThrow({ where: { id: runId } })).status).toBe("RUNNING");
  });

  it.skipIf(isEmbeddedUrl(databaseUrl()))("notifies other processes with the event itself when it fits, else with its seq", async () => {
    const runId = await newRun();
    const listener = new pg.Client(poolConfigFromUrl(databaseUrl()));
    await listener.connect();
    try {
      await listener.query(`LISTEN ${RUN_EVENTS_CHANNEL}`);
      const heard: string[] = [];
      listener.on("notification", (message) => message.payload?.startsWith(runId) && heard.push(message.payload));
      const small = await appendRunEvent(testDb(), tokens(runId, 1));
      const folded = await appendRunEvent(testDb(), { runId, type: "run.started", payload: { task: "append: ü\u2028", settings: { n: 1.5 } } });
      const large = await appendRunEvent(testDb(), { runId, type: "llm.tokens", payload: { role: "coder", stepId: "s1", text: "x".repeat(NOTIFY_PAYLOAD_BYTES) } });
      await expect.poll(() => heard.length).toBe(3);

      const stored = await listRunEvents({ db: testDb(), runId });
      const [first, second, third] = heard.map((text) => parseRunNotification(text)!);
      // What a listening process delivers without reading is what it would have read.
      expect(first).toEqual({ runId, seq: small.seq, type: "llm.tokens", origin: runBus().origin, event: stored[0] });
      expect(second!.event).toEqual(stored[1]);
      expect(third).toEqual({ runId, seq: large.seq, type: "llm.tokens", origin: runBus().origin, event: null });
      expect(folded.createdAt).toEqual(stored[1]!.createdAt);
    } finally {
      await listener.end();
    }
  });

  it("folds a record-changing event without a transaction into the same Run, Step and usage rows as the transaction does", async () => {
    const [fast, locked] = [await newRun(), await newRun()];
    const plan = [
      { id: "s1", agent: "coder" as const, description: "write add", file: "calc.py", depends_on: [] },
      { id: "s2", agent: "tester" as const, description: "test add", file: "test_calc.py", depends_on: ["s1"] },
    ];
    const script = (runId: string): RunEventInput[] => [
      { runId, type: "run.claimed", payload: { workerId: "w1" } },
      { runId, type: "run.branched", payload: { branch: "autocode/append", baseCommit: "base" } },
      { runId, type: "run.started", payload: { task: "append", settings: {} } },
      { runId, type: "plan.created", payload: { steps: plan, repaired: false } },
      { runId, type: "step.started", payload: { stepId: "s1", agent: "coder", description: "write add", file: "calc.py" } },
      { runId, type: "llm.call", payload: { role: "coder", stepId: "s1", model: "fake", tokensIn: 120, tokensOut: 30, costUsd: 0.25 } },
      { runId, type: "step.running", payload: { stepId: "s1", sandboxRun: 1, testPaths: [] } },
      { runId, type: "debug.started", payload: { stepId: "s1", attempt: 1, of: 3 } },
      { runId, type: "step.committed", payload: { stepId: "s1", commit: "c1" } },
      { runId, type: "step.finished", payload: { stepId: "s1", status: "passed", reason: null, runs: 2 } },
      { runId, type: "step.started", payload: { stepId: "s2", agent: "tester", description: "test add", file: "test_calc.py" } },
      { runId, type: "llm.call", payload: { role: "critic", stepId: null, model: "fake", tokensIn: 7, tokensOut: 3, costUsd: 0.5, priced: false } },
      { runId, type: "run.finished", payload: { status: "failed", reason: "s2 did not finish" } },
    ];
    for (const event of script(fast)) await appendRunEvent(testDb(), event);
    for (const event of script(locked)) await testDb().$transaction((tx) => appendRunEventTx(tx, event));

    const rows = async (runId: string) => {
      const { id: _id, taskId: _task, lastSeq, queuedAt: _queued, createdAt: _created, ...run } = await testDb().run.findUniqueOrThrow({ where: { id: runId } });
      const steps = (await testDb().step.findMany({ where: { runId }, orderBy: { order: "asc" } })).map(({ id: _step, runId: _run, ...step }) => step);
      const usage = await testDb().runUsage.findMany({ where: { runId }, orderBy: { role: "asc" }, select: { role: true, model: true, calls: true, tokensIn: true, tokensOut: true, costUsd: true } });
      const events = await listRunEvents({ db: testDb(), runId });
      return { run, lastSeq, steps, usage, events };
    };
    const [a, b] = [await rows(fast), await rows(locked)];
    // The record's times are the events' own: equal in shape, and each taken from the event that set it.
    const at = (events: StoredEvent[], type: string, stepId?: string) => events.find((e) => e.type === type && (!stepId || e.payload.stepId === stepId))!.createdAt;
    for (const side of [a, b]) {
      expect(side.run.startedAt).toEqual(at(side.events, "run.started"));
      expect(side.run.finishedAt).toEqual(at(side.events, "run.finished"));
      expect(side.steps[0]!.startedAt).toEqual(at(side.events, "step.started", "s1"));
      expect(side.steps[0]!.finishedAt).toEqual(at(side.events, "step.finished", "s1"));
      expect(side.steps[0]!.durationMs).toBe(side.steps[0]!.finishedAt!.getTime() - side.steps[0]!.startedAt!.getTime());
    }
    const timeless = (side: typeof a) => ({
      ...side,
      run: { ...side.run, startedAt: "t", finishedAt: "t", durationMs: "d", slowestStepMs: "d" },
      steps: side.steps.map((step) => ({ ...step, startedAt: step.startedAt && "t", finishedAt: step.finishedAt && "t", durationMs: step.durationMs === null ? null : "d" })),
      events: side.events.map(({ createdAt: _at, ...event }) => event),
    });
    expect(timeless(a)).toEqual(timeless(b));
    expect(a.run).toMatchObject({ status: "FAILED", workerId: null, leaseExpiresAt: null, tokensIn: 127, unpricedCalls: 1, headCommit: "c1", outcome: "failed" });
    expect(a.steps.map((step) => [step.status, step.attempts])).toEqual([["SUCCEEDED", 1], ["CANCELLED", 0]]);
    expect(a.lastSeq).toBe(13);
  });

  it("refuses an event of a run that does not exist, and an event the contract does not accept", async () => {
    await expect(appendRunEvent(testDb(), tokens("no-such-run", 1))).rejects.toThrow(/run no-such-run does not exist/);
    const runId = await newRun();
    await expect(appendRunEvent(testDb(), { runId, type: "no.such.event", payload: {} } as never)).rejects.toThrow(/invalid run event/);
    expect(await listRunEvents({ db: testDb(), runId })).toEqual([]);
  });
});
