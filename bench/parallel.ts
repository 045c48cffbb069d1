/**
 * What parallel execution buys: six independent coder steps (each coded, tested and run in the real
 * sandbox), every model answer taking 300 ms, with three workers (MAX_PARALLEL_WORKERS=3) against the same
 * plan with parallel execution off, alternated in the same run. speedup = median serial / median parallel.
 * The planner, the final full test run and the critic stay serial, so the ceiling is below 3x.
 *
 * Run alone: npx tsx bench/parallel.ts [--quick]
 */
import { assertVerified, startBenchSandbox } from "@/bench/lib/orchestrator-rig";
import { runStandalone } from "@/bench/lib/standalone";
import { median, round } from "@/bench/lib/stats";
import type { RunSettings } from "@/server/orchestrator/run-task";
import { settleAfterRunWork } from "@/server/runs/after-run-work";
import { createHarness } from "@/tests/orchestrator/orchestrator-harness";

const STEPS = 6;
const WORKERS = 3;
const MODEL_LATENCY_MS = 300;
const PER_STEP_IN_FLIGHT = 2;

const SIX_INDEPENDENT_STEPS = JSON.stringify({
  steps: Array.from({ length: STEPS }, (_, i) => ({
    id: `s${i + 1}`,
    agent: "coder",
    description: `Write add(a, b) in mod${i + 1}.py`,
    file: `mod${i + 1}.py`,
    depends_on: [],
  })),
});

export async function benchParallel({ quick = false }: { quick?: boolean } = {}): Promise<Record<string, number>> {
  const pairs = quick ? 1 : 3;
  const sandbox = await startBenchSandbox(1);
  const parallelMs: number[] = [];
  const serialMs: number[] = [];
  let run = 0;
  // A new file's coder and tester are asked together (the independent tester), so one step alone has 2 requests in
  // flight: serial must show exactly that, parallel more (several steps at once).
  const timeRun = async (settings: Partial<RunSettings>) => {
    const harness = await createHarness(sandbox, { git: true, latencyMs: MODEL_LATENCY_MS });
    try {
      harness.llm.script("planner", SIX_INDEPENDENT_STEPS);
      await sandbox.pool.waitUntilFull();
      const started = performance.now();
      const outcome = await harness.run({ runId: `bench-par-${process.pid}-${++run}`, settings }, { settle: false });
      const elapsed = performance.now() - started;
      await settleAfterRunWork();
      assertVerified(outcome, `parallel bench (${settings.parallel ? "parallel" : "serial"})`);
      if (outcome.steps.length !== STEPS) throw new Error(`parallel bench: expected ${STEPS} steps, the run had ${outcome.steps.length}`);
      // A speedup only counts if the workers really overlapped (and the serial run really did not).
      const inFlight = harness.llm.maxInFlight();
      if (settings.parallel ? inFlight <= PER_STEP_IN_FLIGHT : inFlight !== PER_STEP_IN_FLIGHT) {
        const expected = settings.parallel ? `more than ${PER_STEP_IN_FLIGHT}` : `exactly ${PER_STEP_IN_FLIGHT}`;
        throw new Error(`parallel bench: ${expected} model requests should have overlapped, saw ${inFlight}`);
      }
      return elapsed;
    } finally {
      await harness.dispose();
    }
  };
  try {
    for (let pair = 0; pair < pairs; pair++) {
      // Alternate which goes first so drift on a busy machine does not favour either side.
      if (pair % 2 === 0) {
        serialMs.push(await timeRun({ parallel: false }));
        parallelMs.push(await timeRun({ parallel: true, maxParallelWorkers: WORKERS }));
      } else {
        parallelMs.push(await timeRun({ parallel: true, maxParallelWorkers: WORKERS }));
        serialMs.push(await timeRun({ parallel: false }));
      }
    }
  } finally {
    await sandbox.shutdown();
  }
  return {
    "parallel.runs": pairs,
    "parallel.speedup": round(median(serialMs) / median(parallelMs), 2),
    "parallel.parallel_p50_ms": round(median(parallelMs)),
    "parallel.serial_p50_ms": round(median(serialMs)),
  };
}

export default benchParallel;

runStandalone(import.meta.url, benchParallel);
