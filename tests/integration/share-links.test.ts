import { TRPCError } from "@trpc/server";
import { beforeAll, describe, expect, it } from "vitest";
import { hashToken } from "@/server/auth/api-tokens";
import { appendRunEvent } from "@/server/runs/run-events";
import { callerFor, createTestUser, testDb } from "../helpers/db";
import { codeOf } from "../helpers/trpc-errors";

/** A caller yields tracked() envelopes as they are: [id, data, marker]. */
function seqOf(item: unknown): number {
  const [id, data] = item as [string, { seq: number }];
  expect(id).toBe(String(data.seq));
  return data.seq;
}

/** Reads a subscription until it ends or `count` events arrived; a failure is returned, not thrown. */
async function take(iterable: AsyncIterable<unknown>, count: number): Promise<{ seqs: number[]; error?: unknown }> {
  const seqs: number[] = [];
  try {
    for await (const item of iterable) {
      seqs.push(seqOf(item));
      if (seqs.length >= count) break;
    }
  } catch (error) {
    return { seqs, error };
  }
  return { seqs };
}

describe("share links", () => {
  let owner: Awaited<ReturnType<typeof createTestUser>>;
  let stranger: Awaited<ReturnType<typeof createTestUser>>;
  let viewer: Awaited<ReturnType<typeof createTestUser>>;
  let projectId: string;
  let runId: string;
  let otherRunId: string;

  beforeAll(async () => {
    owner = await createTestUser("share-owner");
    stranger = await createTestUser("share-stranger");
    viewer = await createTestUser("share-viewer");
    projectId = (await callerFor(owner.id).project.create({ name: "shared" })).id;
    await testDb().projectMember.create({ data: { projectId, userId: viewer.id, role: "VIEWER" } });
    runId = (await callerFor(owner.id).task.create({ projectId, prompt: "Write add(a, b) in calc.py" })).runId;
    otherRunId = (await callerFor(owner.id).task.create({ projectId, prompt: "A different task" })).runId;
    await testDb().run.update({ where: { id: runId }, data: { modelSettings: { mode: "litellm", baseUrl: "http://internal-llm.corp:4000/v1", models: { coder: "m1" } } } });
    await appendRunEvent(testDb(), { runId, type: "run.started", payload: { task: "t", settings: {} } });
  });

  it("creates a link whose token is random, prefixed and stored only as a hash", async () => {
    const link = await callerFor(owner.id).share.create({ runId });
    expect(link.token).toMatch(/^acsh_[A-Za-z0-9_-]{43}$/);
    const row = await testDb().shareLink.findUniqueOrThrow({ where: { id: link.id } });
    expect(row.tokenHash).toBe(hashToken(link.token));
    expect(JSON.stringify(row)).not.toContain(link.token.slice(5));
    const second = await callerFor(owner.id).share.create({ runId });
    expect(second.token).not.toBe(link.token);
    const listed = await callerFor(owner.id).share.list({ runId });
    expect(listed.map((l) => l.id)).toEqual([second.id, link.id]);
    expect(JSON.stringify(listed)).not.toContain(link.token);
  });

  it("opens exactly that run, read-only, without sign-in, with the model endpoint stripped", async () => {
    const { token } = await callerFor(owner.id).share.create({ runId });
    const shared = await callerFor(null).share.run({ token });
    expect(shared).toMatchObject({ id: runId, prompt: "Write add(a, b) in calc.py", canWrite: false });
    expect(shared.modelSettings).toEqual({ models: { coder: "m1" } });
    expect(JSON.stringify(shared)).not.toContain("internal-llm");

    const events = await take(await callerFor(null).share.events({ token }), 2);
    expect(events.error).toBeUndefined();
    expect(events.seqs).toEqual([1, 2]);
    const resumed = await take(await callerFor(null).share.events({ token, lastEventId: "1" }), 1);
    expect(resumed.seqs).toEqual([2]);
  });

  it("sends a stranger neither other runs' prompts and ids nor repository paths from the planner's memory", async () => {
    const { runId: recallingRun } = await callerFor(owner.id).task.create({ projectId, prompt: "Recall things" });
    await appendRunEvent(testDb(), {
      runId: recallingRun,
      type: "memory.recalled",
      payload: { memories: [{ runId: otherRunId, task: "A different task", score: 0.9 }], snippets: [{ path: "secret/keys.py", startLine: 1, endLine: 9, score: 1 }] },
    });
    await appendRunEvent(testDb(), { runId: recallingRun, type: "run.cancel_requested", payload: { by: owner.id } });
    const { token } = await callerFor(owner.id).share.create({ runId: recallingRun });
    const received: unknown[] = [];
    for await (const item of await callerFor(null).share.events({ token })) {
      received.push((item as unknown as [string, unknown])[1]);
      if (received.length === 3) break;
    }
    const payloads = received.map((event) => {
      const { type, payload } = event as { type: string; payload: unknown };
      return { type, payload };
    });
    expect(payloads).toEqual([
      { type: "run.queued", payload: { prompt: "Recall things", contextFiles: [] } },
      { type: "memory.recalled", payload: {} },
      { type: "run.cancel_requested", payload: {} },
    ]);
    expect(JSON.stringify(received)).not.toMatch(new RegExp(`${otherRunId}|A different task|secret/keys|${owner.id}`));
  });

  it("a share token reaches nothing else: not other runs, projects, settings or tokens", async () => {
    const { token } = await callerFor(owner.id).share.create({ runId });
    // A share token is not an API token: as a bearer it authenticates nobody.
    const { createContext } = await import("@/server/api/trpc");
    const context = await createContext({ headers: new Headers({ authorization: `Bearer ${token}` }), sessionUserId: async () => owner.id });
    expect(context.userId).toBeNull();
    const anonymous = callerFor(null);
    expect(await codeOf(anonymous.run.byId({ runId: otherRunId }))).toBe("UNAUTHORIZED");
    expect(await codeOf(anonymous.run.byId({ runId }))).toBe("UNAUTHORIZED");
    expect(await codeOf(anonymous.project.list())).toBe("UNAUTHORIZED");
    expect(await codeOf(anonymous.settings.models())).toBe("UNAUTHORIZED");
    expect(await codeOf(anonymous.token.list())).toBe("UNAUTHORIZED");
    expect(await codeOf(anonymous.share.list({ runId }))).toBe("UNAUTHORIZED");
    const shared = await anonymous.share.run({ token });
    expect(shared.id).toBe(runId);
    expect(JSON.stringify(shared)).not.toContain(otherRunId);
  });

  it("answers NOT_FOUND for unknown, malformed and revoked tokens", async () => {
    const anonymous = callerFor(null);
    expect(await codeOf(anonymous.share.run({ token: "acsh_" + "A".repeat(43) }))).toBe("NOT_FOUND");
    expect(await codeOf(anonymous.share.run({ token: "not-a-token" }))).toBe("NOT_FOUND");
    expect(await codeOf(anonymous.share.events({ token: "acsh_nope" }))).toBe("NOT_FOUND");

    const link = await callerFor(owner.id).share.create({ runId });
    expect(await codeOf(anonymous.share.run({ token: link.token }))).toBe("OK");
    await callerFor(owner.id).share.revoke({ linkId: link.id });
    expect(await codeOf(anonymous.share.run({ token: link.token }))).toBe("NOT_FOUND");
    expect(await codeOf(anonymous.share.events({ token: link.token }))).toBe("NOT_FOUND");
    const listed = await callerFor(owner.id).share.list({ runId });
    expect(listed.find((l) => l.id === link.id)?.revokedAt).toBeInstanceOf(Date);
  });

  it("streams live events to a share link and ends the stream when the link is revoked", async () => {
    const link = await callerFor(owner.id).share.create({ runId: otherRunId });
    const seen: number[] = [];
    const reading = (async () => {
      try {
        for await (const item of await callerFor(null).share.events({ token: link.token })) seen.push(seqOf(item));
        return "ended";
      } catch (error) {
        return error instanceof TRPCError ? error.code : String(error);
      }
    })();
    await expect.poll(() => seen.length, { timeout: 5000 }).toBe(1);
    await appendRunEvent(testDb(), { runId: otherRunId, type: "run.started", payload: { task: "t", settings: {} } });
    await expect.poll(() => seen.length, { timeout: 5000 }).toBe(2);
    const revokedAt = Date.now();
    await callerFor(owner.id).share.revoke({ linkId: link.id });
    expect(await reading).toBe("NOT_FOUND");
    expect(Date.now() - revokedAt).toBeLessThan(5000);
    await appendRunEvent(testDb(), { runId: otherRunId, type: "plan.started", payload: { given: false } });
    expect(seen).toEqual([1, 2]);
  });

  it("answers NOT_FOUND to another user for every share procedure that takes an id; viewers may not share", async () => {
    const link = await callerFor(owner.id).share.create({ runId });
    const as = callerFor(stranger.id);
    expect(await codeOf(as.share.create({ runId }))).toBe("NOT_FOUND");
    expect(await codeOf(as.share.list({ runId }))).toBe("NOT_FOUND");
    expect(await codeOf(as.share.revoke({ linkId: link.id }))).toBe("NOT_FOUND");
    expect(await codeOf(as.share.revoke({ linkId: "no-such-link" }))).toBe("NOT_FOUND");
    expect(await codeOf(callerFor(viewer.id).share.create({ runId }))).toBe("FORBIDDEN");
    expect(await codeOf(callerFor(viewer.id).share.revoke({ linkId: link.id }))).toBe("FORBIDDEN");
    expect(await codeOf(callerFor(null).share.run({ token: link.token }))).toBe("OK");
  });
});
