/**
 * Project environments and the baseline, on the committed fixtures (tests/fixtures):
 *   env.build_cold_s       the TypeScript fixture's environment from nothing: setup container, npm ci, commit;
 *   env.build_cached_ms    a second project with the same manifests: resolve its inputs, find the image (no setup);
 *   env.run_overhead_ms    a one-step task on the TypeScript fixture from the cached image against the same task
 *                          on an empty Python project from the warm pool, both minus their test commands' own
 *                          durations, the independent re-verification's included (what the environment adds: a
 *                          container from the project image, the seed, the node_modules links); env.run_total_diff_ms
 *                          is the raw difference;
 *   baseline.cached_ms     the final verification with the base suite cached, against running the suite twice
 *                          (base commit + final) as a run without the cache does (baseline.uncached_ms).
 *
 * Run alone: npx tsx bench/environments.ts [--quick]
 */
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { assertVerified, commandTimeMs, startBenchSandbox } from "@/bench/lib/orchestrator-rig";
import { median, round } from "@/bench/lib/stats";
import { resolveEnvironment, type ResolvedEnvironment } from "@/server/environments/resolve-environment";
import { compareWithBaseline, suiteTests } from "@/server/orchestrator/compare-baseline";
import { settleAfterRunWork } from "@/server/runs/after-run-work";
import { packDirectory } from "@/server/sandbox/pack-directory";
import { getDocker } from "@/server/sandbox/docker-client";
import type { DockerSandbox } from "@/server/sandbox/docker-sandbox";
import { buildFixtureImage, ensureFixtureImage } from "@/tests/orchestrator/node-environment";
import { createHarness } from "@/tests/orchestrator/orchestrator-harness";
import type { StoredRunEvent } from "@/server/orchestrator/adapters/in-memory-event-sink";

const FIXTURES = path.resolve(import.meta.dirname, "..", "tests", "fixtures");
const TS_PLAN = JSON.stringify({ steps: [{ id: "s1", agent: "coder", description: "Add multiply", file: "src/multiply.ts", depends_on: [] }] });
const TS_CODE = "```ts\nexport function multiply(a: number, b: number): number {\n  return a * b;\n}\n```";
const TS_TESTS = "```ts\nimport { expect, it } from \"vitest\";\nimport { multiply } from \"./multiply\";\n\nit(\"multiplies\", () => {\n  expect(multiply(3, 4)).toBe(12);\n});\n```";

function copyFixture(name: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), `bench-env-${name}-`));
  cpSync(path.join(FIXTURES, name), dir, { recursive: true });
  return dir;
}


/** Where a run's time went: each event with the milliseconds since the one before it, and a command's own time (printed, not a figure). */
function timeline(events: StoredRunEvent[], startedAt: number): string {
  const t0 = Date.now() - (performance.now() - startedAt);
  let last = t0;
  return events
    .map((event) => {
      const payload = event.payload as { role?: string; command?: string; durationMs?: number };
      const detail = [payload.role ?? payload.command?.slice(0, 40), payload.durationMs === undefined ? "" : `(${payload.durationMs} ms inside)`].filter(Boolean).join(" ");
      const line = `${String(Math.round(event.at - t0)).padStart(6)} ms  +${String(Math.round(event.at - last)).padStart(5)}  ${event.type} ${detail}`.trimEnd();
      last = event.at;
      return line;
    })
    .join("\n");
}

/** One one-step task through runTask; its wall time and the part spent inside test commands. */
async function oneTask(sandbox: DockerSandbox, options: { ts?: { dir: string; env: ResolvedEnvironment } }): Promise<{ wall: number; commands: number; timeline: string }> {
  const harness = await createHarness(sandbox, { git: true });
  try {
    let environment;
    if (options.ts) {
      cpSync(options.ts.dir, harness.dir, { recursive: true });
      harness.llm.script("planner", TS_PLAN);
      harness.llm.script("coder", TS_CODE);
      harness.llm.script("tester", TS_TESTS);
      const d = options.ts.env.detected;
      environment = { image: options.ts.env.imageTag, profile: { language: options.ts.env.language, framework: d.framework, testCommand: options.ts.env.testCommand, testFiles: d.testFiles, testDirs: d.testDirs } };
    } else {
      await sandbox.pool.waitUntilFull();
    }
    const runId = `bench-env-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
    const started = performance.now();
    const outcome = await harness.run({ runId, environment }, { settle: false });
    const wall = performance.now() - started;
    await settleAfterRunWork();
    assertVerified(outcome, options.ts ? "TypeScript task" : "Python task");
    // Every test command the run ran, the re-verification's included (a vitest start there is the test command's time, not the environment's).
    const commands = commandTimeMs(harness.events.ofRun(runId), outcome);
    return { wall, commands, timeline: timeline(harness.events.ofRun(runId), started) };
  } finally {
    await harness.dispose();
  }
}

export async function benchEnvironments({ quick = false }: { quick?: boolean } = {}): Promise<Record<string, number>> {
  const coldRuns = quick ? 1 : 2;
  const runs = quick ? 3 : 7;
  const tsDir = copyFixture("ts-mathkit");
  const secondProject = copyFixture("ts-mathkit");
  const pyDir = copyFixture("python-textkit");
  const figures: Record<string, number> = { "env.cold_runs": coldRuns, "env.runs": runs };
  // The product's default pool (SANDBOX_POOL_SIZE 2): with one box, the empty project's re-verification, which
  // follows its step within ~100 ms, always waited for a cold container and the comparison measured that instead.
  const sandbox = await startBenchSandbox(2);
  try {
    const tsEnv = await resolveEnvironment({ repoRoot: tsDir, overrides: null });
    const cold: number[] = [];
    for (let run = 0; run < coldRuns; run++) {
      await getDocker().getImage(tsEnv.imageTag).remove({ force: true }).catch(() => undefined);
      cold.push(await buildFixtureImage(tsDir, tsEnv));
    }
    figures["env.build_cold_s"] = round(median(cold) / 1000, 2);

    const cached: number[] = [];
    for (let run = 0; run < runs; run++) {
      const started = performance.now();
      const again = await resolveEnvironment({ repoRoot: secondProject, overrides: null });
      const found = await getDocker().getImage(again.imageTag).inspect().then(() => true, () => false);
      cached.push(performance.now() - started);
      if (!found || again.imageTag !== tsEnv.imageTag) throw new Error("the second project did not find the first one's image");
    }
    figures["env.build_cached_ms"] = round(median(cached));

    // Alternated, after one warm-up each, so both see the same machine load.
    const tsOverhead: number[] = [];
    const pyOverhead: number[] = [];
    const tsTotal: number[] = [];
    const pyTotal: number[] = [];
    const timelines: { ts: { ms: number; text: string }[]; py: { ms: number; text: string }[] } = { ts: [], py: [] };
    for (let run = 0; run <= runs; run++) {
      const ts = await oneTask(sandbox, { ts: { dir: tsDir, env: tsEnv } });
      const py = await oneTask(sandbox, {});
      if (run === 0) continue;
      tsOverhead.push(ts.wall - ts.commands);
      pyOverhead.push(py.wall - py.commands);
      tsTotal.push(ts.wall);
      pyTotal.push(py.wall);
      timelines.ts.push({ ms: ts.wall - ts.commands, text: ts.timeline });
      timelines.py.push({ ms: py.wall - py.commands, text: py.timeline });
    }
    for (const [name, runs] of Object.entries(timelines)) {
      const typical = runs.sort((a, b) => a.ms - b.ms)[Math.floor(runs.length / 2)]!;
      console.log(`environments: the ${name === "ts" ? "TypeScript" : "Python"} run with the median time outside its commands (${Math.round(typical.ms)} ms)\n${typical.text}`);
    }
    figures["env.run_overhead_ms"] = round(median(tsOverhead) - median(pyOverhead));
    figures["env.run_ts_outside_commands_ms"] = round(median(tsOverhead));
    figures["env.run_python_outside_commands_ms"] = round(median(pyOverhead));
    figures["env.run_total_diff_ms"] = round(median(tsTotal) - median(pyTotal));

    // Baseline: the Python fixture's suite (one test already failing), final files = base files plus one test.
    const pyEnv = await ensureFixtureImage(pyDir);
    const open = async (name: string) => {
      const session = await sandbox.openSession(name, { image: pyEnv.imageTag });
      await session.writeTree(await packDirectory({ root: pyDir, limitBytes: 512 * 1024 * 1024, limitName: "bench" }));
      await session.writeFiles([{ path: "tests/test_extra.py", content: "def test_extra():\n    assert True\n" }]);
      return session;
    };
    const suite = pyEnv.testCommand!;
    const baseSession = await open("bench-baseline-base");
    const baseResult = await baseSession.runSuite(suite);
    await baseSession.close();
    const stored = { commit: "bench", tests: suiteTests(baseResult), passed: baseResult.passed, durationMs: baseResult.durationMs, cached: true };
    const withCache: number[] = [];
    const twice: number[] = [];
    for (let run = 0; run <= runs; run++) {
      const session = await open(`bench-baseline-${run}`);
      let started = performance.now();
      const now = await session.runSuite(suite);
      const compared = compareWithBaseline(stored, now);
      const cachedMs = performance.now() - started;
      started = performance.now();
      await session.runSuite(suite); // the base commit's suite, as a run without the cache must run it
      compareWithBaseline({ ...stored, cached: false }, await session.runSuite(suite));
      const twiceMs = performance.now() - started;
      await session.close();
      if (!compared.passed || compared.alreadyFailing.length !== 1) throw new Error(`baseline comparison unexpected: ${JSON.stringify(compared)}`);
      if (run === 0) continue;
      withCache.push(cachedMs);
      twice.push(twiceMs);
    }
    figures["baseline.cached_ms"] = round(median(withCache));
    figures["baseline.uncached_ms"] = round(median(twice));
    figures["baseline.cached_ratio"] = round(median(withCache) / median(twice), 3);
    return figures;
  } finally {
    await sandbox.shutdown();
    for (const dir of [tsDir, secondProject, pyDir]) rmSync(dir, { recursive: true, force: true });
  }
}

export default benchEnvironments;

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  benchEnvironments({ quick: process.argv.includes("--quick") })
    .then((figures) => console.log(JSON.stringify(figures, null, 2)))
    .catch((error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    });
}
