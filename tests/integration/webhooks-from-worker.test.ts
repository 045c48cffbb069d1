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

  it("a run stopped for plan review is not announced; its end (a rejection) is", async () => {
    const as = callerFor(ownerId);
    const { runId } = await as.task.create({ projectId, prompt: "Write add(a, b) in calc.py", reviewPlan: true });
    await eventually(async () => (await testDb().run.findUniqueOrThrow({ where: { id: runId } })).status === "AWAITING_APPROVAL");
    // The worker let go of it: give a delivery that should not happen the time it would take.
    await eventually(() => !testRunner!.runner.activeRuns.includes(runId));
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(bodiesFor(runId)).toHaveLength(0);
    await as.run.rejectPlan({ runId, reason: "not now" });
    await eventually(() => bodiesFor(runId).length > 0);
    expect(JSON.parse(bodiesFor(runId)[0]!.body)).toMatchObject({ runId, status: "CANCELLED" });
  });
});
