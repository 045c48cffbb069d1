import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LABEL_OWNER, LABEL_ROLE, OWNER_ID } from "@/server/sandbox/docker-client";
import { requireDocker } from "@/server/sandbox/docker-test-guard";
import { WarmPool } from "@/server/sandbox/warm-pool";

const dockerReady = await requireDocker("the warm pool through a Docker outage");

/** The Docker socket through a proxy this test can cut and restore: an outage without stopping the engine. */
function dockerProxy(socketPath: string) {
  let server: net.Server | undefined;
  const open = new Set<net.Socket>();
  return {
    start: () =>
      new Promise<void>((resolve) => {
        server = net.createServer((client) => {
          const upstream = net.connect("/var/run/docker.sock");
          for (const socket of [client, upstream]) {
            open.add(socket);
            socket.on("close", () => open.delete(socket));
            socket.on("error", () => socket.destroy());
          }
          client.pipe(upstream).pipe(client);
        });
        server.listen(socketPath, resolve);
      }),
    cut: () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy();
        server?.close(() => resolve());
      }),
  };
}

const holder = globalThis as unknown as { autocodeDocker?: Docker };
const direct = new Docker();
const ownPoolContainers = async () =>
  (await direct.listContainers({ all: true, filters: { label: [`${LABEL_OWNER}=${OWNER_ID}`, `${LABEL_ROLE}=pool`] } })).length;

async function until(check: () => Promise<boolean> | boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe.skipIf(!dockerReady)("the warm pool after a Docker outage", () => {
  let dir: string;
  let saved: Docker | undefined;

  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), "docker-proxy-"));
    saved = holder.autocodeDocker;
  });
  afterAll(() => {
    holder.autocodeDocker = saved;
    rmSync(dir, { recursive: true, force: true });
  });

  it("keeps exactly its size once Docker answers again, and leaves nothing after a graceful close", async () => {
    const socketPath = path.join(dir, "docker.sock");
    const proxy = dockerProxy(socketPath);
    await proxy.start();
    holder.autocodeDocker = new Docker({ socketPath });
    const pool = new WarmPool(1);
    try {
      await pool.waitUntilFull();
      expect(await ownPoolContainers()).toBe(1);

      await proxy.cut();
      // The warm box's runner connection dies with the socket; taking it then tries to destroy it, which fails now.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(pool.take()).toBeUndefined();
      await new Promise((resolve) => setTimeout(resolve, 1_000));

      await proxy.start();
      await until(async () => pool.readyCount === 1 && (await ownPoolContainers()) === 1, 30_000);
      expect(await ownPoolContainers()).toBe(1);
    } finally {
      await pool.close();
      await proxy.cut();
    }
    expect(await ownPoolContainers()).toBe(0);
  });
});
