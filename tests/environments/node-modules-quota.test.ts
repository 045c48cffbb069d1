import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { resetEnvForTests } from "@/server/env";
import { ENV_NODE_MODULES } from "@/server/environments/build-environment-image";
import { getDocker } from "@/server/sandbox/docker-client";
import { DockerSandbox } from "@/server/sandbox/docker-sandbox";
import { requireDocker } from "@/server/sandbox/docker-test-guard";
import type { DockerSandboxSession } from "@/server/sandbox/sandbox-session";
import { buildFixtureImage, openFixtureSession, removeImage } from "./fixture-image";
import { FIXTURES } from "./fixture-repos";

const dockerReady = await requireDocker("node_modules on the workspace's size limit");
// jest's first start in a 0.5-CPU container takes more than the default 30 s on this loaded 2-core machine.
process.env.SANDBOX_TIMEOUT = "180";
// A small workspace, so filling it is quick; the fixture (without node_modules, which stays in the image) is tiny.
process.env.SANDBOX_WORKSPACE_MB = "48";
resetEnvForTests();
vi.setConfig({ testTimeout: 600000, hookTimeout: 600000 });

const REPO = path.join(FIXTURES, "js-jestkit");
const TAG = `autocodeai-env:test-nm-quota-${process.pid}`;

describe.skipIf(!dockerReady)("a run's node_modules: links into the read-only image, new files on the workspace's size-limited tmpfs", () => {
  let sandbox: DockerSandbox;
  let session: DockerSandboxSession;
  let imageId: string;

  beforeAll(async () => {
    await buildFixtureImage(REPO, TAG);
    imageId = (await getDocker().getImage(TAG).inspect()).Id;
    sandbox = new DockerSandbox({ poolSize: 0 });
    session = await openFixtureSession(sandbox, "test-nm-quota", REPO, TAG);
  });

  afterAll(async () => {
    await sandbox?.shutdown();
    await removeImage(TAG);
    delete process.env.SANDBOX_WORKSPACE_MB;
    resetEnvForTests();
  });

  it("runs the repository's jest suite with its cache in node_modules/.cache/jest, writes nothing to the engine's disk, leaves the image alone", async () => {
    const suite = await session.runSuite({ shell: "npx --no-install jest --ci --json --outputFile={report}", format: "jest-json" });
    expect(suite.stderr).not.toMatch(/EROFS|EACCES/);
    expect(suite.tests.map((t) => [t.name, t.status])).toEqual([["titleCase capitalises each word", "passed"]]);
    expect(suite.passed).toBe(true);
    // The cache and a new top-level folder (tsc's tsBuildInfoFile in vite's templates) are on the workspace's tmpfs.
    const writes = await session.exec(["sh", "-c", "ls node_modules/.cache/jest | wc -l; mkdir -p node_modules/.tmp && echo y > node_modules/.tmp/app.tsbuildinfo && cat node_modules/.tmp/app.tsbuildinfo; stat -f -c %T node_modules/.cache node_modules/.tmp; readlink node_modules/jest"]);
    const [cached, written, fs1, fs2, link] = writes.stdout.trim().split("\n");
    expect(Number(cached)).toBeGreaterThan(0);
    expect(written).toBe("y");
    expect([fs1, fs2]).toEqual(["tmpfs", "tmpfs"]);
    expect(link).toBe(`${ENV_NODE_MODULES}/jest`);

    // The installed packages themselves are the image's: read-only, like /usr and /opt/autocode.
    const refused = await session.exec(["sh", "-c", "touch node_modules/jest/x 2>&1; touch /usr/lib/x 2>&1; touch /opt/autocode/x 2>&1; touch /home/sandbox/x 2>&1; true"]);
    expect(refused.stdout).toMatch(/node_modules\/jest\/x.*Read-only file system/);
    expect(refused.stdout).toMatch(/\/usr\/lib\/x.*(Read-only file system|Permission denied)/);
    expect(refused.stdout).toMatch(/\/opt\/autocode\/x.*(Read-only file system|Permission denied)/);

    // Nothing of the run is in the container's own layer (overlay2 on ext4 could not limit its size).
    const { containerId } = await session.describeContainer();
    const container = getDocker().getContainer(containerId);
    const sized = (await container.inspect({ size: true } as never)) as unknown as { SizeRw?: number };
    expect(sized.SizeRw ?? 0).toBeLessThan(64 * 1024);
    // Docker answers "null" (no changes), which dockerode hands over as a raw Buffer.
    const raw: unknown = await container.changes();
    const changes = ((Buffer.isBuffer(raw) ? JSON.parse(raw.toString("utf8") || "null") : raw) ?? []) as Array<{ Path: string }>;
    expect(changes.map((c) => String(c.Path)).filter((p) => p.startsWith("/opt/"))).toEqual([]);

    expect((await getDocker().getImage(TAG).inspect()).Id).toBe(imageId);
    const fresh = await openFixtureSession(sandbox, "test-nm-quota-2", REPO, TAG);
    try {
      const look = await fresh.exec(["sh", "-c", "ls node_modules/.cache node_modules/.tmp 2>&1 | grep -c 'No such file'"]);
      expect(look.stdout.trim()).toBe("2");
    } finally {
      await fresh.close();
    }
  });

  it("a run that writes past SANDBOX_WORKSPACE_MB into node_modules fails with the limit named; the sandbox keeps working", async () => {
    const filled = await session.runSuite({ shell: "dd if=/dev/zero of=node_modules/.cache/runaway bs=1M count=200 2>&1 && npx --no-install jest --ci --json --outputFile={report}", format: "jest-json" });
    expect(filled.passed).toBe(false);
    expect(filled.stdout + filled.stderr).toMatch(/No space left on device/);
    expect(filled.failureReason).toMatch(/the sandbox ran out of space \(No space left on device\): \/workspace, where new files in node_modules go too, is limited to SANDBOX_WORKSPACE_MB, 48 MB/);
    const size = await session.exec(["sh", "-c", "du -sm node_modules/.cache/runaway | cut -f1; rm node_modules/.cache/runaway; echo ok > after.txt && cat after.txt"]);
    const [mb, after] = size.stdout.trim().split("\n");
    expect(Number(mb)).toBeLessThanOrEqual(48);
    expect(after).toBe("ok");
    const { containerId } = await session.describeContainer();
    const sized = (await getDocker().getContainer(containerId).inspect({ size: true } as never)) as unknown as { SizeRw?: number };
    expect(sized.SizeRw ?? 0).toBeLessThan(64 * 1024);
  });
});
