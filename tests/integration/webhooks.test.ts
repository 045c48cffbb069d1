import { createHmac } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encryptSecret } from "@/server/auth/secrets";
import { resetEnvForTests } from "@/server/env";
import { setHostResolverForTests } from "@/server/network/outbound-address";
import { deliverRunWebhooks, SIGNATURE_HEADER } from "@/server/notifications/deliver-run-webhooks";
import { callerFor, createTestUser, testDb } from "../helpers/db";
import { codeOf, messageOf } from "../helpers/trpc-errors";

type Received = { headers: http.IncomingHttpHeaders; body: string };

/** A receiver over real HTTP that answers with the queued statuses in order ("hang" never answers), then 200. */
async function receiver() {
  const received: Received[] = [];
  const answers: (number | "hang")[] = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => {
      received.push({ headers: req.headers, body });
      const answer = answers.shift() ?? 200;
      if (answer !== "hang") res.writeHead(answer).end("ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, received, answers, close: () => new Promise((r) => server.close(r)) };
}

function allowPrivate(value: boolean) {
  process.env.ALLOW_PRIVATE_ADDRESSES = String(value);
  resetEnvForTests();
}

describe("per-project webhooks for finished runs", () => {
  let owner: Awaited<ReturnType<typeof createTestUser>>;
  let stranger: Awaited<ReturnType<typeof createTestUser>>;
  let projectId: string;
  let runId: string;
  let hook: Awaited<ReturnType<typeof receiver>>;

  beforeAll(async () => {
    owner = await createTestUser("hook-owner");
    stranger = await createTestUser("hook-stranger");
    projectId = (await callerFor(owner.id).project.create({ name: "hooks" })).id;
    const task = await testDb().task.create({ data: { projectId, authorId: owner.id, prompt: "Write add(a, b)" } });
    runId = (await testDb().run.create({ data: { taskId: task.id, projectId, status: "SUCCEEDED", verdict: "PASS", finishedAt: new Date() } })).id;
    hook = await receiver();
  });

  afterAll(async () => {
    allowPrivate(false);
    await hook.close();
  });

  it("refuses loopback and private URLs unless the operator allows them, and non-http URLs; strangers get 404", async () => {
    allowPrivate(false);
    const as = callerFor(owner.id);
    expect(await messageOf(as.webhook.create({ projectId, url: hook.url }))).toMatch(/loopback.*ALLOW_PRIVATE_ADDRESSES/s);
    expect(await messageOf(as.webhook.create({ projectId, url: "ftp://example.com/x" }))).toMatch(/http/);
    expect(await codeOf(callerFor(stranger.id).webhook.create({ projectId, url: "https://example.com/hook" }))).toBe("NOT_FOUND");
    expect(await testDb().projectWebhook.count({ where: { projectId } })).toBe(0);
  });

  it("signs the body with the secret shown once, retries 5xx with backoff, records every attempt, and sends no secret", async () => {
    allowPrivate(true);
    const created = await callerFor(owner.id).webhook.create({ projectId, url: hook.url });
    expect(created.url).toBe(hook.url);
    expect(created.secret).toMatch(/^whsec_/);
    hook.answers.push(500, 503);
    const started = Date.now();
    await deliverRunWebhooks({ db: testDb(), runId, delivery: { backoffMs: 50, timeoutMs: 2000 } });
    expect(Date.now() - started).toBeGreaterThanOrEqual(150); // 50 + 100 ms of backoff
    expect(hook.received).toHaveLength(3);
    const last = hook.received.at(-1)!;
    const expected = `sha256=${createHmac("sha256", created.secret).update(last.body).digest("hex")}`;
    expect(last.headers[SIGNATURE_HEADER]).toBe(expected);
    expect(JSON.parse(last.body)).toMatchObject({ event: "run.finished", runId, projectId, status: "SUCCEEDED", verdict: "PASS" });
    expect(last.body).not.toContain(created.secret);
    const row = await testDb().projectWebhook.findUniqueOrThrow({ where: { id: created.id } });
    expect(row.secretCipher).not.toContain(created.secret);

    const [listed] = await callerFor(owner.id).webhook.list({ projectId });
    expect(JSON.stringify(listed)).not.toContain(created.secret);
    expect(listed!.deliveries.map((d) => [d.attempt, d.httpStatus, d.ok]).sort()).toEqual([
      [1, 500, false],
      [2, 503, false],
      [3, 200, true],
    ]);
  });

  it("gives up on a receiver that hangs after the time limit, recorded, without a retry storm on 4xx", async () => {
    hook.received.length = 0;
    await testDb().webhookDelivery.deleteMany({ where: { runId } });
    hook.answers.push("hang", 410);
    await deliverRunWebhooks({ db: testDb(), runId, delivery: { backoffMs: 10, timeoutMs: 300, attempts: 4 } });
    const deliveries = await testDb().webhookDelivery.findMany({ where: { runId }, orderBy: { attempt: "asc" } });
    expect(deliveries.map((d) => [d.attempt, d.httpStatus, d.ok])).toEqual([
      [1, null, false],
      [2, 410, false],
    ]);
    expect(deliveries[0]!.error).toMatch(/no answer within 300 ms/);
    expect(await codeOf(callerFor(stranger.id).webhook.list({ projectId }))).toBe("NOT_FOUND");
  });

  it("connects to the address it checked: a name only the check's resolver knows is reached, a second DNS answer (rebinding to loopback) is never used", async () => {
    const port = new URL(hook.url).port;
    await testDb().projectWebhook.deleteMany({ where: { projectId } });
    const secretCipher = encryptSecret("whsec_pinned");
    let lookups = 0;
    try {
      // The system's DNS does not know this name: only a connection to the checked address reaches the receiver.
      allowPrivate(true);
      setHostResolverForTests(async () => (lookups++, ["127.0.0.1"]));
      const known = await testDb().projectWebhook.create({ data: { projectId, url: `http://hooks.rebind.test:${port}/hook`, secretCipher } });
      hook.received.length = 0;
      await deliverRunWebhooks({ db: testDb(), runId, delivery: { attempts: 1, timeoutMs: 10_000 } });
      expect(hook.received).toHaveLength(1);
      expect(lookups).toBe(1);
      await testDb().projectWebhook.delete({ where: { id: known.id } });

      // Rebinding: a public answer for the check, loopback for any later lookup. The POST goes to the public one.
      allowPrivate(false);
      lookups = 0;
      setHostResolverForTests(async () => [lookups++ === 0 ? "192.0.2.10" : "127.0.0.1"]);
      const rebound = await testDb().projectWebhook.create({ data: { projectId, url: `http://hooks.rebind.test:${port}/hook`, secretCipher } });
      hook.received.length = 0;
      await deliverRunWebhooks({ db: testDb(), runId, delivery: { attempts: 1, timeoutMs: 1_000 } });
      expect(hook.received).toHaveLength(0);
      expect(lookups).toBe(1);
      const [attempt] = await testDb().webhookDelivery.findMany({ where: { webhookId: rebound.id } });
      expect(attempt).toMatchObject({ ok: false, httpStatus: null });
    } finally {
      setHostResolverForTests();
      allowPrivate(false);
    }
  });
});
