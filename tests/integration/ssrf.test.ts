import { createServer, type AddressInfo, type Server } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { resetEnvForTests } from "@/server/env";
import { getDocker } from "@/server/sandbox/docker-client";
import { DockerSandbox } from "@/server/sandbox/docker-sandbox";
import { requireDocker } from "@/server/sandbox/docker-test-guard";
import { executeTool } from "@/server/tools/execute-tool";
import { startTestRunner, waitForRunEnd, type TestRunner } from "@/tests/helpers/test-runner";
import { callerFor, createTestUser, testDb } from "../helpers/db";
import { messageOf } from "../helpers/trpc-errors";

const dockerReady = await requireDocker("SSRF through imports, git_clone steps and model endpoints");

/** A listener on every interface that counts connections: each refused attempt must leave it at zero. */
async function listen(): Promise<{ server: Server; port: number; connections: () => number }> {
  let connections = 0;
  const server = createServer((socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, "0.0.0.0", resolve));
  return { server, port: (server.address() as AddressInfo).port, connections: () => connections };
}

function allowPrivate(value: boolean) {
  process.env.ALLOW_PRIVATE_ADDRESSES = String(value);
  resetEnvForTests();
}

describe.skipIf(!dockerReady)("server-side request forgery is refused unless the operator allows private addresses", () => {
  let target: Awaited<ReturnType<typeof listen>>;
  let owner: Awaited<ReturnType<typeof createTestUser>>;
  let gateway: string;

  beforeAll(async () => {
    target = await listen();
    owner = await createTestUser("ssrf");
    // The bridge's gateway is its subnet's first address when Docker does not name it.
    const bridge = (await getDocker().getNetwork("bridge").inspect()) as { IPAM: { Config: { Subnet: string; Gateway?: string }[] } };
    const config = bridge.IPAM.Config[0]!;
    gateway = config.Gateway ?? config.Subnet.replace(/\.0\/\d+$/, ".1");
  });
  afterEach(() => allowPrivate(false));
  afterAll(() => {
    target.server.close();
    delete process.env.ALLOW_PRIVATE_ADDRESSES;
    resetEnvForTests();
  });

  it("an import from the server's loopback or the Docker gateway is refused, nothing saved, no connection made", async () => {
    allowPrivate(false);
    const before = await testDb().project.count();
    for (const host of ["127.0.0.1", "localhost", gateway]) {
      const message = await messageOf(callerFor(owner.id).project.create({ name: `ssrf ${host}`, source: { kind: "url", url: `http://${host}:${target.port}/x.git` } }));
      expect(message).toMatch(/(loopback|private).* address.*ALLOW_PRIVATE_ADDRESSES=true/);
    }
    expect(await testDb().project.count()).toBe(before);
    expect(target.connections()).toBe(0);
  });

  it("a git_clone step from the setup container cannot reach the Docker host's gateway; allowed, it can", async () => {
    const sandbox = new DockerSandbox({ poolSize: 0 });
    const workspace = await sandbox.openSession("ssrf-run");
    try {
      allowPrivate(false);
      const url = `http://${gateway}:${target.port}/x.git`;
      const refused = await executeTool({ runId: "ssrf-run", tool: "git_clone", params: { url, dest: "lib" }, workspace, timeoutMs: 20_000 });
      expect(refused.ok).toBe(false);
      expect(refused.error).toMatch(/^Refused: git_clone: .* private .*address.*ALLOW_PRIVATE_ADDRESSES=true/);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(target.connections()).toBe(0);

      // The control: with the setting on, the same step does reach the listener (so the refusal above is real).
      allowPrivate(true);
      const allowed = await executeTool({ runId: "ssrf-run", tool: "git_clone", params: { url, dest: "lib" }, workspace, timeoutMs: 20_000 });
      expect(allowed.ok).toBe(false);
      expect(target.connections()).toBeGreaterThan(0);
    } finally {
      await sandbox.shutdown();
    }
  });

  it("a user's own model endpoint on a private address is refused when saved and when a run would use it", async () => {
    allowPrivate(false);
    const connectionsBefore = target.connections();
    const loopback = `http://127.0.0.1:${target.port}/v1`;
    const message = await messageOf(callerFor(owner.id).settings.updateModels({ mode: "openai", baseUrl: loopback, models: {}, apiKey: { action: "keep" } }));
    expect(message).toMatch(/Your model endpoint .* loopback address.*ALLOW_PRIVATE_ADDRESSES=true/);

    allowPrivate(true);
    const saved = await callerFor(owner.id).settings.updateModels({ mode: "openai", baseUrl: loopback, models: {}, apiKey: { action: "keep" } });
    expect(saved.baseUrl).toBe(loopback);

    // The operator turns the setting off again: a run must not use the stored endpoint.
    allowPrivate(false);
    let testRunner: TestRunner | undefined;
    try {
      testRunner = await startTestRunner();
      const projectId = (await callerFor(owner.id).project.create({ name: "ssrf model" })).id;
      const { runId } = await callerFor(owner.id).task.create({ projectId, prompt: "Write add(a, b) in calc.py" });
      const run = await waitForRunEnd(runId);
      expect(run.status).toBe("FAILED");
      expect(run.statusReason).toMatch(/Your model endpoint .* loopback address/);
      expect(target.connections()).toBe(connectionsBefore);
    } finally {
      await testRunner?.stop();
      await testDb().userModelSettings.deleteMany({ where: { userId: owner.id } });
    }
  });
});
