import { afterAll, describe, expect, it } from "vitest";
import { requireDocker } from "./docker-test-guard";
import { DockerSandbox } from "./docker-sandbox";
import { listOwnContainers } from "./index";
import { destroyBox } from "./sandbox-box";
import { WarmPool } from "./warm-pool";

const dockerReady = await requireDocker("warm pool refills");

/**
 * A worker starts the containers that replace a run's after that run (issue #17): the pool does not refill when a
 * box is taken without it, a box still starting is awaited rather than a second one started, and a sandbox whose
 * refills are deferred hands the refill to its scheduler with the run's id.
 */
describe.skipIf(!dockerReady)("deferred warm pool refills", () => {
  const sandboxes: DockerSandbox[] = [];

  afterAll(async () => {
    for (const sandbox of sandboxes) await sandbox.shutdown();
    expect(await listOwnContainers()).toEqual([]);
  });

  it("waits for a box that is starting, and does not refill when told not to", async () => {
    const pool = new WarmPool(1);
    try {
      pool.fill();
      expect(pool.readyCount).toBe(0); // still starting
      const box = await pool.takeOrAwait({ refill: false });
      expect(box).toBeDefined();
      expect(pool.spareCount).toBe(0); // none ready and none starting: taking without refill started nothing
      expect(await pool.takeOrAwait({ refill: false, maxWaitMs: 200 })).toBeUndefined(); // nothing ready or starting
      await destroyBox(box!);
      pool.fill();
      await pool.waitUntilFull();
      expect(pool.readyCount).toBe(1);
    } finally {
      await pool.close();
    }
  });

  it("hands a refill to the scheduler with the run that took the box while a spare is left, and refills an empty pool at once", async () => {
    const sandbox = new DockerSandbox({ poolSize: 2 });
    sandboxes.push(sandbox);
    const scheduled: Array<{ runId: string; refill: () => void }> = [];
    sandbox.deferRefills((runId, refill) => scheduled.push({ runId, refill }));
    await sandbox.start();
    await sandbox.pool.waitUntilFull();

    const first = await sandbox.openSession("deferred-refill-run");
    await first.writeFiles([{ path: "test_one.py", content: "def test_one():\n    assert True\n" }]);
    expect((await first.runPytest()).passed).toBe(true);
    expect(scheduled.map((s) => s.runId)).toEqual(["deferred-refill-run"]);
    expect(sandbox.pool.spareCount).toBe(1); // not refilled: the run's end will

    // The last spare taken: the pool refills now, or the next run would start cold.
    const second = await sandbox.openSession("emptying-run");
    await second.writeFiles([{ path: "test_two.py", content: "def test_two():\n    assert True\n" }]);
    expect((await second.runPytest()).passed).toBe(true);
    expect(scheduled).toHaveLength(1);
    expect(sandbox.pool.spareCount).toBe(2);
    await Promise.all([first.close(), second.close()]);

    scheduled[0]!.refill(); // a full pool: nothing more to start
    await sandbox.pool.waitUntilFull();
    expect(sandbox.pool.spareCount).toBe(2);
  });
});
