import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { resetEnvForTests } from "@/server/env";
import { ENV_NODE_MODULES } from "@/server/environments/build-environment-image";
import { getDocker } from "@/server/sandbox/docker-client";
import { DockerSandbox } from "@/server/sandbox/docker-sandbox";
import { requireDocker } from "@/server/sandbox/docker-test-guard";
import { symlinkTree } from "@/server/sandbox/pack-directory";
import type { DockerSandboxSession } from "@/server/sandbox/sandbox-session";
import { buildFixtureImage, openFixtureSession, removeImage } from "./fixture-image";
import { FIXTURES } from "./fixture-repos";

const dockerReady = await requireDocker("a writable node_modules");
// jest's first start in a 0.5-CPU container takes more than the default 30 s on this loaded 2-core machine.
process.env.SANDBOX_TIMEOUT = "180";
resetEnvForTests();
vi.setConfig({ testTimeout: 600000, hookTimeout: 600000 });

const REPO = path.join(FIXTURES, "js-jestkit");
const TAG = `autocodeai-env:test-writable-${process.pid}`;

describe.skipIf(!dockerReady)("a run's node_modules is writable, copy-on-write over the environment image", () => {
  let sandbox: DockerSandbox;
  let session: DockerSandboxSession;
  let imageId: string;

  beforeAll(async () => {
    await buildFixtureImage(REPO, TAG);
    imageId = (await getDocker().getImage(TAG).inspect()).Id;
    sandbox = new DockerSandbox({ poolSize: 0 });
    session = await openFixtureSession(sandbox, "test-writable-node-modules", REPO, TAG);
  });

  afterAll(async () => {
    await sandbox?.shutdown();
    await removeImage(TAG);
  });

  it("runs the repository's jest suite with its cache in node_modules/.cache/jest; the image is unchanged; no full copy", async () => {
    const suite = await session.runSuite({ shell: "npx --no-install jest --ci --json --outputFile={report}", format: "jest-json" });
    expect(suite.stderr).not.toMatch(/EROFS|EACCES/);
    expect(suite.tests.map((t) => [t.name, t.status])).toEqual([["titleCase capitalises each word", "passed"]]);
    expect(suite.passed).toBe(true);
    const cache = await session.exec(["sh", "-c", "ls node_modules/.cache/jest | wc -l"]);
    expect(Number(cache.stdout.trim())).toBeGreaterThan(0);
    // Writes inside a package and a new top-level folder (tsc's tsBuildInfoFile in vite's templates) work too.
    const writes = await session.exec(["sh", "-c", "echo x > node_modules/jest/.touched && mkdir -p node_modules/.tmp && echo y > node_modules/.tmp/app.tsbuildinfo && cat node_modules/jest/.touched node_modules/.tmp/app.tsbuildinfo"]);
    expect(writes.stdout.split("\n").slice(0, 2)).toEqual(["x", "y"]);
    expect(writes.exitCode).toBe(0);

    // Nothing else of the image is writable; the other user-writable folders are tmpfs, not the engine's disk.
    const elsewhere = await session.exec(["sh", "-c", "touch /usr/lib/x 2>&1; touch /opt/autocode/x 2>&1; echo z > /var/tmp/z && echo z > /home/sandbox/z && echo ok"]);
    expect(elsewhere.stdout).toMatch(/\/usr\/lib\/x.*Permission denied/);
    expect(elsewhere.stdout).toMatch(/\/opt\/autocode\/x.*Permission denied/);
    expect(elsewhere.stdout.trim().endsWith("ok")).toBe(true);
    const { containerId } = await session.describeContainer();
    const container = getDocker().getContainer(containerId);
    const changed = ((await container.changes()) ?? []).map((c: { Path: string }) => c.Path);
    expect(changed).toEqual(expect.arrayContaining([`${ENV_NODE_MODULES}/jest/.touched`, `${ENV_NODE_MODULES}/.tmp`]));
    expect(changed.some((p: string) => p.startsWith("/var/tmp/") || p.startsWith("/home/sandbox/"))).toBe(false);

    // Copy-on-write: the container's layer holds what was written, not a copy of node_modules.
    const sized = (await container.inspect({ size: true } as never)) as unknown as { SizeRw: number };
    const nodeModulesBytes = Number((await session.exec(["sh", "-c", `du -sb ${ENV_NODE_MODULES}/ | cut -f1`])).stdout.trim());
    console.info(`node_modules ${nodeModulesBytes} bytes in the image; this container's own layer ${sized.SizeRw} bytes`);
    expect(nodeModulesBytes).toBeGreaterThan(10 * 1024 * 1024);
    expect(sized.SizeRw).toBeLessThan(nodeModulesBytes / 10);

    // The image is untouched: same id, and a fresh sandbox of it has none of those files.
    expect((await getDocker().getImage(TAG).inspect()).Id).toBe(imageId);
    const fresh = await sandbox.openSession("test-writable-node-modules-2", { image: TAG });
    try {
      await fresh.writeTree(symlinkTree("node_modules", ENV_NODE_MODULES));
      const look = await fresh.exec(["sh", "-c", "ls node_modules/.cache/jest node_modules/jest/.touched node_modules/.tmp 2>&1 | grep -c 'No such file'"]);
      expect(look.stdout.trim()).toBe("3");
    } finally {
      await fresh.close();
    }
  });
});
