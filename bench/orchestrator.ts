/**
 * The orchestrator's own cost: a one-step task (plan, code, tests, a step run, the full run, the critic)
 * through runTask until it returns (its after-run work is off the clock, as in production), with a fake model
 * that answers instantly and the real Docker sandbox, minus the time spent in the sandbox. Two cuts of it:
 *   overhead_p50_ms: minus the commands' durationMs (measured by the runner in the container: the agents'
 *     sandbox.command events and the independent re-verification's commands) and the sessions' opens;
 *   overhead_outside_sandbox_calls_p50_ms: minus the wall time of every call through the sandbox port
 *     (open, file writes, pytest runs including docker exec transport, close).
 *
 * Run alone: npx tsx bench/orchestrator.ts [--quick]
 */
import { median, round } from "@/bench/lib/stats";
import { assertVerified, commandTimeMs, startBenchSandbox, stopwatchSandbox } from "@/bench/lib/orchestrator-rig";
import { runStandalone } from "@/bench/lib/standalone";
import { settleAfterRunWork } from "@/server/runs/after-run-work";
import { createHarness } from "@/tests/orchestrator/orchestrator-harness";

export async function benchOrchestrator({ quick = false }: { quick?: boolean } = {}): Promise<Record<string, number>> {
  const runs = quick ? 3 : 15;
  const sandbox = await startBenchSandbox(1);
  const stopwatch = stopwatchSandbox(sandbox);
  const total: number[] = [];
  const overhead: number[] = [];
  const outsideCalls: number[] = [];
  const inSandbox: number[] = [];
  try {
    // Run 0 warms the JIT, the model client's connections and the sandbox image's page cache; it is not counted.
    for (let run = 0; run <= runs; run++) {
      const harness = await createHarness(stopwatch.port, { git: true });
      try {
        await sandbox.pool.waitUntilFull();
        stopwatch.reset();
        const runId = `bench-orch-${process.pid}-${run}`;
        const started = performance.now();
        // Until runTask returns (run.finished stored); its after-run work follows off the clock, as in production.
        const outcome = await harness.run({ runId }, { settle: false });
        const wall = performance.now() - started;
        const time = stopwatch.reset();
        await settleAfterRunWork();
        assertVerified(outcome, `orchestrator run ${run}`);
        // The re-verification's own fresh container: its session open is in time.openMs too.
        const commandMs = commandTimeMs(harness.events.ofRun(runId), outcome);
        if (run === 0) continue;
        total.push(wall);
        inSandbox.push(commandMs + time.openMs);
        overhead.push(wall - commandMs - time.openMs);
        outsideCalls.push(wall - time.openMs - time.callsMs);
      } finally {
        await harness.dispose();
      }
    }
  } finally {
    await sandbox.shutdown();
  }
  return {
    "orchestrator.runs": runs,
    "orchestrator.overhead_p50_ms": round(median(overhead)),
    "orchestrator.overhead_outside_sandbox_calls_p50_ms": round(median(outsideCalls)),
    "orchestrator.sandbox_p50_ms": round(median(inSandbox)),
    "orchestrator.total_p50_ms": round(median(total)),
  };
}

export default benchOrchestrator;

runStandalone(import.meta.url, benchOrchestrator);
