import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunEventInput } from "@/server/runs/events/contract";
import { runBus } from "@/server/runs/run-bus";
import { appendRunEvent } from "@/server/runs/run-events";
import { streamRunEvents } from "@/server/runs/stream-run-events";
import { requireDocker } from "@/server/sandbox/docker-test-guard";
import { startTestRunner, waitForRunEnd, type TestRunner } from "@/tests/helpers/test-runner";
import { callerFor, createTestUser, testDb } from "../helpers/db";

/** Reads a tRPC subscription's tracked() envelopes to the end (run.finished), returning the seqs. */
async function seqsOf(iterable: AsyncIterable<unknown>): Promise<number[]> {
  const seqs: number[] = [];
  for await (const item of iterable) seqs.push((item as [string, { seq: number }])[1].seq);
  return seqs;
}

const tokens = (runId: string, i: number): RunEventInput => ({ runId, type: "llm.tokens", payload: { stepId: null, role: "coder", text: `chunk ${i} ` } });
const finished = (runId: string): RunEventInput => ({ runId, type: "run.finished", payload: { status: "succeeded", reason: null } });

describe("live viewers of a run", () => {
  let owner: Awaited<ReturnType<typeof createTestUser>>;
  let projectId: string;

  beforeAll(async () => {
    owner = await createTestUser("viewers-owner");
    projectId = (await callerFor(owner.id).project.create({ name: "viewed" })).id;
  });

  const newRun = async (prompt: string) => (await callerFor(owner.id).task.create({ projectId, prompt })).runId;

  it("gives a share viewer and a token viewer the same sequence, live, each event once", async () => {
    const runId = await newRun("Write add(a, b) in calc.py");
    const { token } = await callerFor(owner.id).share.create({ runId });
    const member = seqsOf(await callerFor(owner.id, "api-token").run.events({ runId }));
    const stranger = seqsOf(await callerFor(null).share.events({ token }));
    for (let i = 0; i < 40; i++) await appendRunEvent(testDb(), tokens(runId, i));
    await appendRunEvent(testDb(), finished(runId));
    const [a, b] = await Promise.all([member, stranger]);
    const stored = await testDb().runEvent.count({ where: { runId } });
    expect(a).toEqual(Array.from({ length: stored }, (_, i) => i + 1));
    expect(b).toEqual(a);
  });

  it("cuts a paused reader at its buffer without holding back the writer or the others, and it resumes from its last seq", async () => {
    const runId = await newRun("Write mul(a, b) in calc.py");
    const paused = streamRunEvents({ db: testDb(), runId, afterSeq: 0, maxBuffered: 20 });
    const first = await paused.next();
    expect(first.value?.seq).toBe(1);
    const others = Array.from({ length: 20 }, async () => {
      const seqs: number[] = [];
      for await (const event of streamRunEvents({ db: testDb(), runId, afterSeq: 0, maxBuffered: 20 })) seqs.push(event.seq);
      return seqs;
    });
    // The writer stores 200 events while one viewer reads nothing: the writer and the other viewers finish.
    for (let i = 0; i < 200; i++) await appendRunEvent(testDb(), tokens(runId, i));
    await appendRunEvent(testDb(), finished(runId));
    const stored = await testDb().runEvent.count({ where: { runId } });
    const all = Array.from({ length: stored }, (_, i) => i + 1);
    for (const seqs of await Promise.all(others)) expect(seqs).toEqual(all);
    // The paused viewer holds no live buffer any more: it was cut from the feed when its buffer filled.
    expect(runBus().viewers(runId)).toBe(0);
    const rest: number[] = [];
    for await (const event of { [Symbol.asyncIterator]: () => paused }) rest.push(event.seq);
    expect([first.value!.seq, ...rest]).toEqual(all);
  });

  it("delivers every event exactly once to 200 subscribers of a live run", async () => {
    const runId = await newRun("Write sub(a, b) in calc.py");
    const viewers = Array.from({ length: 200 }, async (_, v) => {
      const seqs: number[] = [];
      const events = v % 2 ? streamRunEvents({ db: testDb(), runId, afterSeq: 0 }) : streamRunEvents({ db: testDb(), runId, afterSeq: 0, maxBuffered: 5 });
      for await (const event of events) seqs.push(event.seq);
      return seqs;
    });
    for (let i = 0; i < 60; i++) await appendRunEvent(testDb(), tokens(runId, i));
    await appendRunEvent(testDb(), finished(runId));
    const stored = await testDb().runEvent.count({ where: { runId } });
    const all = Array.from({ length: stored }, (_, i) => i + 1);
    for (const seqs of await Promise.all(viewers)) expect(seqs).toEqual(all);
  });
});

const dockerReady = await requireDocker("live viewers of a real run (database + sandbox)");

describe.skipIf(!dockerReady)("200 viewers of a real run", () => {
  let testRunner: TestRunner | undefined;
  afterAll(async () => {
    await testRunner?.stop();
  });

  it("each get every event exactly once, by token and by share link, while the run succeeds", async () => {
    testRunner = await startTestRunner({ maxRetries: 2 });
    const owner = await createTestUser("viewers-real");
    const projectId = (await callerFor(owner.id).project.create({ name: "watched" })).id;
    const { runId } = await callerFor(owner.id).task.create({ projectId, prompt: "Write add(a, b) in calc.py with tests" });
    const { token } = await callerFor(owner.id).share.create({ runId });
    const viewers = await Promise.all(
      Array.from({ length: 200 }, async (_, v) =>
        seqsOf(v % 2 ? await callerFor(null).share.events({ token }) : await callerFor(owner.id, "api-token").run.events({ runId })),
      ),
    );
    const run = await waitForRunEnd(runId);
    expect(run.status).toBe("SUCCEEDED");
    const all = Array.from({ length: run.lastSeq }, (_, i) => i + 1);
    for (const seqs of viewers) expect(seqs).toEqual(all);
  });
});
