/**
 * The independent tester (issue #13): in a one-step task whose model answers each take 300 ms, the tester's
 * request starts while the coder is answering. The same step with the tester after the coder (the old order,
 * `settings.testerAfterCoder`) is measured in the same run, alternating which goes first.
 *   step.coder_tester_overlap: the step's wall time (step.started to step.finished) concurrent / sequential, medians;
 *   step.concurrent_ms, step.sequential_ms: those medians;
 *   step.tester_started_early: share of concurrent runs whose tester request arrived before the coder's answer ended.
 *
 * Needs Docker (the real sandbox runs the step's tests). Run alone: npx tsx bench/run.ts --only coder-tester --out /tmp/bench-13
 */
import os from "node:os";
import { startBenchSandbox } from "@/bench/lib/orchestrator-rig";
import { median, round } from "@/bench/lib/stats";
import { createHarness } from "@/tests/orchestrator/orchestrator-harness";

const LATENCY_MS = 300;

export async function benchCoderTester(options: { quick: boolean } = { quick: false }): Promise<Record<string, number>> {
  const reps = options.quick ? 3 : 7;
  const sandbox = await startBenchSandbox(1);
  const times = { concurrent: [] as number[], sequential: [] as number[] };
  const loads: number[] = [];
  let early = 0;
  try {
    for (let rep = 0; rep < reps; rep++) {
      const order = rep % 2 === 0 ? (["concurrent", "sequential"] as const) : (["sequential", "concurrent"] as const);
      for (const mode of order) {
        // Both take the step's container from a full pool, so neither pays for a cold start.
        await sandbox.pool.waitUntilFull(60_000);
        const h = await createHarness(sandbox, { latencyMs: LATENCY_MS });
        try {
          const runId = `bench-coder-tester-${mode}-${rep}`;
          const outcome = await h.run({ runId, settings: { testerAfterCoder: mode === "sequential" } });
          if (outcome.status !== "succeeded") throw new Error(`${mode} run ${rep}: expected a PASS, got ${outcome.status}: ${outcome.reason ?? ""}`);
          const at = (type: string) => h.events.ofRun(runId).find((e) => e.type === type)!.at;
          times[mode].push(at("step.finished") - at("step.started"));
          const coder = h.llm.requests.find((r) => r.role === "coder")!;
          const tester = h.llm.requests.find((r) => r.role === "tester")!;
          if (mode === "concurrent" && tester.receivedAt < coder.answeredAt!) early++;
        } finally {
          await h.dispose();
        }
      }
      loads.push(os.loadavg()[0]!);
    }
  } finally {
    await sandbox.shutdown();
  }
  const concurrent = median(times.concurrent);
  const sequential = median(times.sequential);
  return {
    "step.coder_tester_overlap": round(concurrent / sequential, 2),
    "step.concurrent_ms": round(concurrent),
    "step.sequential_ms": round(sequential),
    "step.tester_started_early": round(early / reps, 2),
    "step.coder_tester_runs": reps,
    "step.coder_tester_load1": round(median(loads), 1),
  };
}
