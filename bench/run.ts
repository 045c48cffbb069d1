/**
 * The whole bench suite, one module after another, each in its own process: `npm run bench` writes
 * bench/results.json and bench/RESULTS.md; `npm run bench -- --quick` is the CI smoke (few repetitions,
 * written to a temporary directory so the committed results stay the full run's). A module that throws
 * fails the suite loudly (exit code 1) after the others have run; a module not written yet is reported as
 * "not measured", never as a number.
 *
 *   npx tsx bench/run.ts [--quick] [--only sandbox,stream] [--out DIR] [--render-only]
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { MODULES, type BenchModule } from "./lib/catalog";
import { machineInfo } from "./lib/machine";
import { buildFigures, renderMarkdown, type BenchResults, type ModuleOutcome } from "./lib/results";

const BENCH_DIR = import.meta.dirname;
const ROOT = path.resolve(BENCH_DIR, "..");

function option(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  return index === -1 ? undefined : process.argv[index + 1];
}

/** Runs one module in a child process with a time limit; its output goes straight to our terminal. */
async function runModule(module: BenchModule, quick: boolean, scratch: string): Promise<ModuleOutcome> {
  if (!existsSync(path.join(BENCH_DIR, module.file))) {
    return { module: module.name, status: "not measured", reason: `bench/${module.file} does not exist yet` };
  }
  const out = path.join(scratch, `${module.name}.json`);
  const limitMs = (quick ? 5 : 30) * 60_000;
  const started = performance.now();
  console.log(`\n=== bench ${module.name} (bench/${module.file}${quick ? ", quick" : ""})`);
  const child = spawn(process.execPath, ["--import", "tsx", path.join(BENCH_DIR, "lib", "run-module.ts"), module.file, module.exportName, out, ...(quick ? ["--quick"] : [])], {
    cwd: ROOT,
    stdio: "inherit",
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill("SIGTERM");
    setTimeout(() => child.kill("SIGKILL"), 10_000).unref();
  }, limitMs);
  const code = await new Promise<number | null>((resolve) => child.once("close", resolve));
  clearTimeout(timer);
  const seconds = Math.round((performance.now() - started) / 100) / 10;
  if (timedOut) return { module: module.name, status: "failed", error: `timed out after ${limitMs / 60_000} min`, seconds };
  if (code !== 0 || !existsSync(out)) return { module: module.name, status: "failed", error: `exited with code ${code} (its error is printed above)`, seconds };
  const raw = JSON.parse(readFileSync(out, "utf8")) as Record<string, number>;
  const figures = Object.fromEntries(Object.entries(raw).map(([name, value]) => [module.prefix && !name.includes(".") ? `${module.prefix}${name}` : name, value]));
  console.log(`=== bench ${module.name}: ${Object.keys(figures).length} figures in ${seconds} s`);
  return { module: module.name, status: "ok", figures, seconds };
}

async function main(): Promise<number> {
  if (process.argv.includes("--render-only")) {
    // Rewrites RESULTS.md from an existing results.json (after a change of wording), measuring nothing.
    const dir = option("--out") ?? BENCH_DIR;
    const results = JSON.parse(readFileSync(path.join(dir, "results.json"), "utf8")) as BenchResults;
    writeFileSync(path.join(dir, "RESULTS.md"), renderMarkdown(results));
    console.log(`Rewrote ${path.join(dir, "RESULTS.md")} from results.json`);
    return 0;
  }
  const quick = process.argv.includes("--quick");
  const only = option("--only")?.split(",").map((s) => s.trim());
  const outDir = option("--out") ?? (quick ? path.join(os.tmpdir(), "autocode-bench-quick") : BENCH_DIR);
  const selected = MODULES.filter((m) => !only || only.includes(m.name));
  if (only && selected.length !== only.length) throw new Error(`unknown module in --only ${only.join(",")}; known: ${MODULES.map((m) => m.name).join(", ")}`);

  const loadAtStart = Math.round(os.loadavg()[0]! * 100) / 100;
  if (loadAtStart > 0.5 * os.cpus().length) console.warn(`[bench] the machine is busy (1-minute load ${loadAtStart} on ${os.cpus().length} cores): figures will be slower than on a quiet machine`);
  const scratch = mkdtempSync(path.join(os.tmpdir(), "autocode-bench-"));
  const outcomes: ModuleOutcome[] = [];
  try {
    for (const module of selected) outcomes.push(await runModule(module, quick, scratch));
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }

  const results: BenchResults = {
    machine: machineInfo(loadAtStart),
    generatedAt: new Date().toISOString(),
    quick,
    command: ["npm run bench", ...(process.argv.slice(2).length ? ["--", ...process.argv.slice(2)] : [])].join(" "),
    modules: Object.fromEntries(
      outcomes.map((o) => [o.module, o.status === "not measured" ? { seconds: null, status: o.status } : { seconds: o.seconds, status: o.status, ...(o.status === "failed" ? { error: o.error } : {}) }]),
    ),
    figures: buildFigures(outcomes, quick),
  };
  if (only) results.command += " (partial run)";
  mkdirSync(outDir, { recursive: true });
  writeFileSync(path.join(outDir, "results.json"), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(path.join(outDir, "RESULTS.md"), renderMarkdown(results));

  console.log(`\nWrote ${path.join(outDir, "results.json")} and RESULTS.md`);
  for (const [name, figure] of Object.entries(results.figures).filter(([, f]) => f.headline)) {
    const value = figure.notMeasured ? "not measured" : figure.error ? "FAILED" : `${figure.value} ${figure.unit}`;
    const goal = figure.goal ? `  (goal ${figure.goal.op} ${figure.goal.value}: ${figure.goal.met === null ? "?" : figure.goal.met ? "met" : "NOT met"})` : "";
    console.log(`  ${name.padEnd(40)} ${value}${goal}`);
  }

  // Figures a selected module should have reported but did not are as bad as a thrown error.
  const failed = outcomes.filter((o) => o.status === "failed").map((o) => o.module);
  const missing = Object.entries(results.figures)
    .filter(([, f]) => f.headline && f.error && !f.notMeasured && selected.some((m) => m.name === f.module) && !failed.includes(f.module))
    .map(([name]) => name);
  if (failed.length || missing.length) {
    console.error(`\n!!! BENCH FAILED: ${[...failed.map((m) => `module ${m} threw or timed out`), ...missing.map((n) => `${n} was not reported`)].join("; ")}`);
    return 1;
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error("\n!!! BENCH FAILED:", error);
    process.exit(1);
  },
);
