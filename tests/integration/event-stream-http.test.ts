import type http from "node:http";
import superjson from "superjson";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { subscribeSse, subscriptionUrl, type SseMessage } from "@/bench/lib/sse-subscriber";
import { encodeTracked } from "@/server/api/event-stream-response";
import { handleTrpcRequest } from "@/server/api/handle-trpc-request";
import type { RunEventInput } from "@/server/runs/events/contract";
import { appendRunEvent } from "@/server/runs/run-events";
import { serveFetch } from "@/tests/helpers/serve-fetch";
import { callerFor, createTestUser, testDb } from "../helpers/db";

const tokens = (runId: string, i: number): RunEventInput => ({ runId, type: "llm.tokens", payload: { stepId: null, role: "coder", text: `chunk ${i} ` } });
const finished = (runId: string): RunEventInput => ({ runId, type: "run.finished", payload: { status: "succeeded", reason: null } });

/** Every SSE message of one subscription until the server ends it. */
function collect(url: string, headers: Record<string, string> = {}) {
  const messages: SseMessage[] = [];
  const sub = subscribeSse({ url, headers, onMessage: (m) => messages.push(m) });
  // A cut connection shows as a missing `return` message, not as an unhandled rejection.
  return { messages, ended: sub.ended.then(() => messages, () => messages), close: sub.close };
}
const dataOf = (messages: SseMessage[]) => messages.filter((m) => m.event === "message");
const seqsOf = (messages: SseMessage[]) => dataOf(messages).map((m) => superjson.parse<{ seq: number }>(m.data).seq);
const errorOf = (messages: SseMessage[]) => {
  const error = messages.find((m) => m.event === "serialized-error");
  return error ? superjson.parse<{ data: { code: string } }>(error.data).data.code : undefined;
};

describe("run event streams over HTTP (encoded once per event)", () => {
  let server: http.Server;
  let base: string;
  let owner: Awaited<ReturnType<typeof createTestUser>>;
  let apiToken: string;
  let projectId: string;

  beforeAll(async () => {
    const served = await serveFetch((req) => handleTrpcRequest(req, async () => null));
    server = served.server;
    base = `${served.url}/api/trpc`;
    owner = await createTestUser("sse-owner");
    apiToken = (await callerFor(owner.id).token.create({ name: "sse" })).token;
    projectId = (await callerFor(owner.id).project.create({ name: "sse" })).id;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const newRun = async (prompt: string) => (await callerFor(owner.id).task.create({ projectId, prompt })).runId;
  const bearer = () => ({ authorization: `Bearer ${apiToken}` });

  it("gives token and share viewers every event once, in order, in tRPC's SSE format, the same bytes to every token viewer", async () => {
    const runId = await newRun("Write add(a, b) in calc.py");
    const { token } = await callerFor(owner.id).share.create({ runId });
    const members = [collect(subscriptionUrl(base, "run.events", { runId }), bearer()), collect(subscriptionUrl(base, "run.events", { runId }), bearer())];
    const stranger = collect(subscriptionUrl(base, "share.events", { token }));
    await expect.poll(() => [...members, stranger].every((v) => v.messages.some((m) => m.event === "message")), { timeout: 30_000 }).toBe(true);
    for (let i = 0; i < 30; i++) await appendRunEvent(testDb(), tokens(runId, i));
    await appendRunEvent(testDb(), finished(runId));
    const [a, b] = await Promise.all(members.map((m) => m.ended));
    const shared = await stranger.ended;
    const stored = await testDb().runEvent.count({ where: { runId } });
    const all = Array.from({ length: stored }, (_, i) => i + 1);
    expect(seqsOf(a!)).toEqual(all);
    expect(seqsOf(shared)).toEqual(all);
    // What httpSubscriptionLink reads: connected first, an id per message, return at the end.
    expect(a![0]!.event).toBe("connected");
    expect(dataOf(a!).map((m) => m.id)).toEqual(all.map(String));
    expect(a!.at(-1)!.event).toBe("return");
    expect(dataOf(a!).map((m) => m.data)).toEqual(dataOf(b!).map((m) => m.data));
    // The share view is cut to its allow-list (llm.tokens keeps its text; the run.queued prompt is listed too).
    expect(superjson.parse<{ type: string; payload: { text: string } }>(dataOf(shared)[3]!.data).payload.text).toBe("chunk 2 ");
  });

  it("resumes after Last-Event-ID and answers errors as tRPC does (UNAUTHORIZED, NOT_FOUND, revocation)", async () => {
    const runId = await newRun("Write sub(a, b) in calc.py");
    for (let i = 0; i < 5; i++) await appendRunEvent(testDb(), tokens(runId, i));
    await appendRunEvent(testDb(), finished(runId));
    const resumed = await collect(subscriptionUrl(base, "run.events", { runId }), { ...bearer(), "last-event-id": "4" }).ended;
    expect(seqsOf(resumed)).toEqual([5, 6, 7]);
    expect(errorOf(await collect(subscriptionUrl(base, "run.events", { runId })).ended)).toBe("UNAUTHORIZED");
    expect(errorOf(await collect(subscriptionUrl(base, "share.events", { token: "s_not-a-real-token-at-all" })).ended)).toBe("NOT_FOUND");

    const live = await newRun("Write mul(a, b) in calc.py");
    const link = await callerFor(owner.id).share.create({ runId: live });
    const viewers = [collect(subscriptionUrl(base, "share.events", { token: link.token })), collect(subscriptionUrl(base, "share.events", { token: link.token }))];
    await expect.poll(() => viewers.every((v) => dataOf(v.messages).length === 1), { timeout: 30_000 }).toBe(true);
    await callerFor(owner.id).share.revoke({ linkId: link.id });
    for (const viewer of viewers) expect(errorOf(await viewer.ended)).toBe("NOT_FOUND");
  });

  it("encodes an event object once, whoever sends it", () => {
    const event = { seq: 1, type: "llm.tokens", payload: { text: "x" }, createdAt: new Date(0) };
    expect(encodeTracked("1", event)).toBe(encodeTracked("1", event));
    expect(encodeTracked("1", { ...event })).not.toBe(encodeTracked("1", event));
  });
});
