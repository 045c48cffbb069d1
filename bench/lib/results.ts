import { HEADLINE, inferUnit, meetsGoal, MODULES, type Goal } from "./catalog";
import type { MachineInfo } from "./machine";

export interface FigureEntry {
  /** null: not measured (module missing, or it failed: see `error` / `notMeasured`). */
  value: number | null;
  unit: string;
  module: string;
  goal?: Goal & { met: boolean | null; why?: string };
  baseline?: { figure: string; value: number | null; unit: string };
  runs: number | null;
  headline: boolean;
  notMeasured?: string;
  error?: string;
}

export interface BenchResults {
  machine: MachineInfo;
  generatedAt: string;
  quick: boolean;
  command: string;
  /** Per module: wall time in seconds, and the error if it threw. */
  modules: Record<string, { seconds: number | null; status: "ok" | "failed" | "not measured"; error?: string }>;
  figures: Record<string, FigureEntry>;
}

export type ModuleOutcome =
  | { module: string; status: "ok"; figures: Record<string, number>; seconds: number }
  | { module: string; status: "failed"; error: string; seconds: number }
  | { module: string; status: "not measured"; reason: string };

/** Builds results.json's figures: every figure a module returned, headline ones with goal, baseline and runs. */
export function buildFigures(outcomes: ModuleOutcome[], quick: boolean): Record<string, FigureEntry> {
  const values = new Map<string, number>();
  const owner = new Map<string, string>();
  for (const outcome of outcomes) {
    if (outcome.status !== "ok") continue;
    for (const [name, value] of Object.entries(outcome.figures)) {
      values.set(name, value);
      owner.set(name, outcome.module);
    }
  }
  const figures: Record<string, FigureEntry> = {};
  const finite = (value: number | undefined) => (value === undefined || !Number.isFinite(value) ? null : value);
  for (const [name, spec] of Object.entries(HEADLINE)) {
    const value = finite(values.get(name));
    const outcome = outcomes.find((o) => o.module === spec.module);
    const runs = typeof spec.runs === "string" ? finite(values.get(spec.runs)) : spec.runs ? spec.runs[quick ? "quick" : "full"] : null;
    const entry: FigureEntry = { value, unit: spec.unit, module: spec.module, runs, headline: true };
    if (spec.goal) entry.goal = { ...spec.goal, met: value === null ? null : meetsGoal(value, spec.goal), why: spec.goalWhy };
    if (spec.baseline) entry.baseline = { figure: spec.baseline, value: finite(values.get(spec.baseline)), unit: HEADLINE[spec.baseline]?.unit ?? (inferUnit(spec.baseline) || spec.unit) };
    if (!outcome) entry.notMeasured = "not run in this invocation (--only)";
    else if (outcome.status === "not measured") entry.notMeasured = outcome.reason;
    else if (outcome?.status === "failed") entry.error = outcome.error;
    else if (value === null) entry.error = `bench/${MODULES.find((m) => m.name === spec.module)?.file} did not report ${name}`;
    figures[name] = entry;
  }
  for (const [name, value] of values) {
    if (figures[name]) continue;
    const module = owner.get(name) ?? "";
    const runsName = `${name.split(".")[0]}.runs`;
    figures[name] = { value: finite(value), unit: inferUnit(name), module, runs: finite(values.get(runsName)), headline: false };
  }
  return figures;
}

function formatValue(value: number | null, unit: string): string {
  if (value === null) return "—";
  const text = Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(4)));
  return unit && unit !== "fraction" && unit !== "events" ? `${text} ${unit}` : text;
}

const goalText = (goal: Goal) => `${goal.op === "==" ? "=" : goal.op === "<=" ? "≤" : "≥"} ${goal.value}`;

/** RESULTS.md: what was measured, on what, with which command, against which goals and baselines. */
export function renderMarkdown(results: BenchResults): string {
  const m = results.machine;
  const lines: string[] = [];
  lines.push("# Benchmark results", "");
  lines.push(
    `Generated ${results.generatedAt} by \`${results.command}\`${results.quick ? " (**quick smoke run: few repetitions, not for comparison**)" : ""}. ` +
      "Every figure is a median (or a percentile) over repeated runs; every baseline was measured in the same run on the same machine. " +
      "The model is the fake OpenAI-compatible server (tests/fake-llm/fake-llm-server.ts) over real HTTP; Docker, Postgres and Chroma are real. " +
      "The raw numbers are in [results.json](results.json).",
    "",
  );
  lines.push("## Machine", "");
  lines.push("| | |", "|---|---|");
  lines.push(`| CPU | ${m.cpus} × ${m.cpuModel} |`);
  lines.push(`| memory | ${m.memoryGb} GB |`);
  lines.push(`| OS | ${m.os} |`);
  lines.push(`| Node | ${m.node} |`);
  lines.push(`| Docker engine | ${m.docker ?? "not reachable"} |`);
  lines.push(`| sandbox | ${m.sandboxImage}, ${m.sandboxLimits.cpus} CPU, ${m.sandboxLimits.memoryMb} MB per container |`);
  const embedded = results.figures["stream.embedded_postgres"]?.value;
  if (embedded !== undefined && embedded !== null) {
    lines.push(`| Postgres (stream bench) | ${embedded ? "embedded PGlite, one connection (TEST_DATABASE_URL unset)" : "a Postgres server on loopback (TEST_DATABASE_URL), throwaway database"} |`);
  }
  if (m.loadAverage) lines.push(`| 1-minute load average | ${m.loadAverage.start} at start, ${m.loadAverage.end} at end |`);
  lines.push(`| commit | ${m.commit ?? "unknown"} |`, "");

  lines.push("## Headline figures", "");
  lines.push("| figure | value | goal | met | baseline (same run) | runs |", "|---|---|---|---|---|---|");
  for (const [name, figure] of Object.entries(results.figures).filter(([, f]) => f.headline)) {
    const value = figure.notMeasured ? "not measured" : figure.error ? "**failed**" : formatValue(figure.value, figure.unit);
    const goal = figure.goal ? goalText(figure.goal) : "";
    const met = figure.goal?.met === true ? "yes" : figure.goal?.met === false ? "**no**" : "";
    const baseline = figure.baseline ? `${formatValue(figure.baseline.value, figure.baseline.unit)} (\`${figure.baseline.figure}\`)` : "";
    lines.push(`| \`${name}\` | ${value} | ${goal} | ${met} | ${baseline} | ${figure.runs ?? ""} |`);
  }
  lines.push("");

  lines.push("## What each figure means", "");
  for (const [name, spec] of Object.entries(HEADLINE)) {
    const figure = results.figures[name];
    let text = `- \`${name}\` (${spec.unit}): ${spec.meaning}`;
    if (spec.goal) text += ` Goal ${goalText(spec.goal)}${spec.goalWhy ? `: ${spec.goalWhy}` : ""}.`;
    if (figure?.notMeasured) text += ` *Not measured: ${figure.notMeasured}.*`;
    if (figure?.error) text += ` *Failed: ${figure.error.split("\n")[0]}*`;
    lines.push(text);
  }
  lines.push("");

  lines.push("## Every figure, by module", "");
  for (const [module, info] of Object.entries(results.modules)) {
    const file = MODULES.find((m) => m.name === module)?.file ?? `${module}.ts`;
    const status = info.status === "ok" ? `${info.seconds} s` : info.status === "failed" ? `**failed**: ${info.error?.split("\n")[0]}` : "not measured (module absent)";
    lines.push(`### ${module} (\`bench/${file}\`, ${status})`, "");
    const rows = Object.entries(results.figures).filter(([, f]) => f.module === module && f.value !== null);
    if (rows.length) {
      lines.push("| figure | value |", "|---|---|");
      for (const [name, figure] of rows) lines.push(`| \`${name}\` | ${formatValue(figure.value, figure.unit)} |`);
      lines.push("");
    }
  }

  lines.push("## Reproduce", "");
  lines.push("```sh", "npm run bench            # the whole suite, about 5 minutes on 2 cores; writes bench/results.json and bench/RESULTS.md", "npm run bench -- --quick # the CI smoke (few repetitions); writes to a temporary directory", "npx tsx bench/<module>.ts [--quick]   # one module alone, figures printed as JSON", "```", "");
  lines.push(
    "Needs a running Docker engine with the sandbox image (`npm run sandbox:build`). Set `TEST_DATABASE_URL` to a Postgres server for the stream bench (a throwaway database is created and dropped); without it an embedded PGlite is used with one connection (electric-sql/pglite#1046), which is slower. Figures move with machine load: compare only figures from the same run.",
    "",
  );
  return lines.join("\n");
}
