/**
 * The independent re-verification of a one-step run (server/orchestrator/reverify-branch.ts): a fresh container
 * kept warm in the pool (no network, the same limits), git archive of the branch head seeded, frozen tests written
 * back, pytest forked by that container's resident runner (started before anything was seeded: no sitecustomize,
 * .pth or user site of the branch can load), cache off; against the same pytest through the warm pool, same run.
 *
 * Run alone: npx tsx bench/run.ts --only verification --out /tmp/bench-13
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { median, round } from "@/bench/lib/stats";
import { createDirWorkspace } from "@/server/orchestrator/adapters/dir-workspace";
import { InMemoryEventSink } from "@/server/orchestrator/adapters/in-memory-event-sink";
import { reverifyBranch } from "@/server/orchestrator/reverify-branch";
import { RunEventLog } from "@/server/orchestrator/run-event-log";
import { DEFAULT_PROFILE } from "@/server/orchestrator/test-layout";
import { DockerSandbox } from "@/server/sandbox/docker-sandbox";

const CODE = "def add(a, b):\n    return a + b\n";
const TESTS = "import pytest\nfrom calc import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n\n\ndef test_add_rejects_none():\n    with pytest.raises(TypeError):\n        add(None, 1)\n";

// Both figures take a container from the pool: give it time to refill so neither pays for a cold start.
const refill = () => new Promise((resolve) => setTimeout(resolve, 2_000));

export async function benchVerification(options: { quick: boolean } = { quick: false }): Promise<Record<string, number>> {
  const runs = options.quick ? 3 : 7;
  const root = mkdtempSync(path.join(os.tmpdir(), "bench-verify-"));
  writeFileSync(path.join(root, "calc.py"), CODE);
  writeFileSync(path.join(root, "test_calc.py"), TESTS);
  const git = (...args: string[]) => execFileSync("git", ["-c", "user.name=b", "-c", "user.email=b@b", ...args], { cwd: root });
  git("init", "-q", "-b", "main");
  git("add", "-A");
  git("commit", "-qm", "one step");
  // One warm container is what the re-verification needs: it takes it and the pool refills behind it.
  const sandbox = new DockerSandbox({ poolSize: 1 });
  await sandbox.start();
  const workspace = createDirWorkspace(root);
  const rerun: number[] = [];
  const pool: number[] = [];
  try {
    for (let run = 0; run < runs; run++) {
      await refill();
      const log = new RunEventLog(`bench-verify-${run}`, new InMemoryEventSink());
      let started = performance.now();
      const { record } = await reverifyBranch({ runId: `bench-verify-${run}`, sandbox, workspace, log, profile: DEFAULT_PROFILE, frozenTests: new Map([["test_calc.py", TESTS]]), harnessBase: new Map() });
      rerun.push(performance.now() - started);
      if (!record.passed) throw new Error(`the re-verification failed: ${record.reason}`);

      await refill();
      started = performance.now();
      const session = await sandbox.openSession(`bench-verify-pool-${run}`);
      await session.writeFiles([{ path: "calc.py", content: CODE }, { path: "test_calc.py", content: TESTS }]);
      const result = await session.runPytest({ testPaths: ["test_calc.py"] });
      pool.push(performance.now() - started);
      await session.close();
      if (!result.passed) throw new Error("the pool's pytest failed");
    }
  } finally {
    await sandbox.shutdown();
    rmSync(root, { recursive: true, force: true });
  }
  const rerunMs = median(rerun);
  const poolMs = median(pool);
  return { "verify.runs": runs, "verify.rerun_ms": round(rerunMs), "verify.pool_pytest_ms": round(poolMs), "verify.rerun_vs_pool_ratio": round(rerunMs / poolMs, 2) };
}
