import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { requireDocker } from "./docker-test-guard";
import { listOwnContainers } from "./index";
import { packDirectory } from "./pack-directory";
import { startBox } from "./sandbox-box";
import { DockerSandboxSession } from "./sandbox-session";

const dockerReady = await requireDocker("sandbox session close tests");

async function containersOf(runId: string) {
  return (await listOwnContainers()).filter((c) => c.Labels["ai.autocode.run"] === runId);
}

describe.skipIf(!dockerReady)("closing a sandbox session", () => {
  it("removes a container that was still being seeded when the session closed (a cancel mid-seed)", async () => {
    const runId = "test-close-while-seeding";
    const root = mkdtempSync(path.join(os.tmpdir(), "seed-gate-"));
    writeFileSync(path.join(root, "calc.py"), "def add(a, b):\n    return a + b\n");
    const packed = await packDirectory({ root, limitBytes: 1024 * 1024, limitName: "SANDBOX_WORKSPACE_MB" });
    // The tree's bytes arrive only when the test lets them: the seed is in flight while the session closes. Its
    // links are not counted, so it streams by putArchive (a counted small tree goes to the runner in one request).
    const gate = new PassThrough();
    const tree = { open: () => gate, files: packed.files, bytes: packed.bytes };
    const session = new DockerSandboxSession(runId, (sequence) => startBox({ role: "run", runId, name: `autocode-run-close-seed-${sequence}-${process.pid}` }), () => undefined);
    try {
      const seeding = session.writeTree(tree);
      seeding.catch(() => undefined);
      // putArchive has started reading the tree: the container is taken and not yet the session's.
      for (let i = 0; i < 200 && gate.readableFlowing !== true; i++) await new Promise((r) => setTimeout(r, 50));
      expect(gate.readableFlowing).toBe(true);
      expect(await containersOf(runId)).toHaveLength(1);
      const closing = session.close();
      packed.open().pipe(gate);
      await closing;
      await expect(seeding).rejects.toThrow(/closed/);
      expect(await containersOf(runId)).toEqual([]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
