import { createHmac } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resetEnvForTests } from "@/server/env";
import { SIGNATURE_HEADER } from "@/server/notifications/deliver-run-webhooks";
import { requireDocker } from "@/server/sandbox/docker-test-guard";
import { startTestRunner, waitForRunEnd, type TestRunner } from "@/tests/helpers/test-runner";
import { callerFor, createTestUser, testDb } from "../helpers/db";

const dockerReady = await requireDocker("webhooks from a real worker run (database + sandbox)");

/** Polls until `check` holds; the assertion after it says what was missing. */
async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check()) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
}

describe.skipIf(!dockerReady)("webhooks fire from the worker when a run really ends", () => {
  let testRunner: TestRunner | undefined;
  let server: http.Server;
  let url: string;
  const received: { headers: http.IncomingHttpHeaders; body: string }[] = [];
  let projectId: string;
  let secret: string;
  let ownerId: string;

  beforeAll(async () => {
    process.env.ALLOW_PRIVATE_ADDRESSES = "true";
    resetEnvForTests();
    server = http.createServer((req, res) => {
      let body = "";
      req.on("data", (chunk: Buffer) => (body += chunk.toString()));
      req.on("end", () => {
        received.push({ headers: req.headers, body });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    testRunner = await startTestRunner();
    ownerId = (await createTestUser("hook-worker")).id;
    projectId = (await callerFor(ownerId).project.create({ name: "hooks-worker" })).id;
    secret = (await callerFor(ownerId).webhook.create({ projectId, url })).secret;
  });

  afterAll(async () => {
    delete process.env.ALLOW_PRIVATE_ADDRESSES;
    resetEnvForTests();
    await testRunner?.stop();
    await new Promise((resolve) => server.close(resolve));
  });

  const bodiesFor = (runId: string) => received.filter((r) => (JSON.parse(r.body) as { runId: string }).runId === runId);

  it("a run executed by the worker is POSTed, signed, once it has ended", async () => {
    const { runId } = await callerFor(ownerId).task.create({ projectId, prompt: "Write add(a, b) in calc.py with tests" });
    expect((await waitForRunEnd(runId)).status).toBe("SUCCEEDED");
    await eventually(() => bodiesFor(runId).length > 0);
    const [delivery] = bodiesFor(runId);
    expect(delivery).toBeDefined();
    expect(delivery!.headers[SIGNATURE_HEADER]).toBe(`sha256=${createHmac("sha256", secret).update(delivery!.body).digest("hex")}`);
    expect(JSON.parse(delivery!.body)).toMatchObject({ event: "run.finished", runId, projectId, status: "SUCCEEDED" });
    await eventually(async () => (await testDb().webhookDelivery.count({ where: { runId, ok: true } })) === 1);
    expect(await testDb().webhookDelivery.count({ where: { runId, ok: true } })).toBe(1);
  });

  it("a plan waiting for review is announced once (its plan, signed); its end (a rejection) is announced after", async () => {
    const as = callerFor(ownerId);
    const { runId } = await as.task.create({ projectId, prompt: "Write add(a, b) in calc.py", reviewPlan: true });
    await eventually(() => bodiesFor(runId).length > 0, 120_000);
    const [waiting] = bodiesFor(runId);
    expect(waiting).toBeDefined();
    expect(waiting!.headers[SIGNATURE_HEADER]).toBe(`sha256=${createHmac("sha256", secret).update(waiting!.body).digest("hex")}`);
    const announced = JSON.parse(waiting!.body) as { event: string; status: string; plan: { id: string; file: string | null }[]; expiresAt: string };
    expect(announced).toMatchObject({ event: "plan.awaiting_approval", runId, projectId, status: "AWAITING_APPROVAL" });
    expect(announced.plan.length).toBeGreaterThan(0);
    expect(announced.plan[0]).toMatchObject({ id: expect.any(String), file: expect.any(String) });
    expect(new Date(announced.expiresAt).getTime()).toBeGreaterThan(Date.now());
    await eventually(async () => (await testDb().webhookDelivery.count({ where: { runId, ok: true } })) === 1);
    expect(await testDb().webhookDelivery.findMany({ where: { runId }, select: { event: true, ok: true } })).toEqual([{ event: "plan.awaiting_approval", ok: true }]);
    await as.run.rejectPlan({ runId, reason: "not now" });
    await eventually(() => bodiesFor(runId).length > 1);
    expect(bodiesFor(runId).map((r) => (JSON.parse(r.body) as { event: string }).event)).toEqual(["plan.awaiting_approval", "run.finished"]);
    expect(JSON.parse(bodiesFor(runId)[1]!.body)).toMatchObject({ runId, status: "CANCELLED" });
  }, 180_000);

  it("a run cancelled while its plan waits, or while still queued, is announced as ended too (no worker holds it)", async () => {
    const as = callerFor(ownerId);
    const waiting = (await as.task.create({ projectId, prompt: "Write add(a, b) in calc.py, to be cancelled", reviewPlan: true })).runId;
    await eventually(() => bodiesFor(waiting).length > 0, 120_000);
    expect(await as.run.cancel({ runId: waiting })).toEqual({ status: "CANCELLED" });
    await eventually(() => bodiesFor(waiting).length > 1);
    expect(bodiesFor(waiting).map((r) => JSON.parse(r.body) as { event: string; status: string })).toEqual([
      expect.objectContaining({ event: "plan.awaiting_approval" }),
      expect.objectContaining({ event: "run.finished", status: "CANCELLED" }),
    ]);

    // No worker: the run stays queued until it is cancelled.
    await testRunner!.runner.stop();
    const queued = (await as.task.create({ projectId, prompt: "never started" })).runId;
    expect(await as.run.cancel({ runId: queued })).toEqual({ status: "CANCELLED" });
    await eventually(() => bodiesFor(queued).length > 0);
    expect(bodiesFor(queued).map((r) => JSON.parse(r.body) as { event: string; status: string })).toEqual([expect.objectContaining({ event: "run.finished", status: "CANCELLED" })]);
    await eventually(async () => (await testDb().webhookDelivery.count({ where: { runId: queued, ok: true } })) === 1);
    expect(await testDb().webhookDelivery.findMany({ where: { runId: queued }, select: { event: true, ok: true } })).toEqual([{ event: "run.finished", ok: true }]);
  }, 180_000);
});
