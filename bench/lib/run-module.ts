/**
 * Runs one bench module in its own process for bench/run.ts, so its globals (database client, event bus,
 * sandbox pool, cached settings) and any handle it leaves open cannot touch the next module's figures.
 *
 *   node --import tsx bench/lib/run-module.ts <file> <exportName> <out.json> [--quick]
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { BenchFunction } from "./standalone";

const [file, exportName, out] = process.argv.slice(2);
if (!file || !exportName || !out) throw new Error("usage: run-module.ts <file> <exportName> <out.json> [--quick]");
const quick = process.argv.includes("--quick");

const loaded = (await import(pathToFileURL(path.resolve(import.meta.dirname, "..", file)).href)) as Record<string, unknown>;
const bench = (loaded[exportName] ?? loaded.default) as BenchFunction | undefined;
if (typeof bench !== "function") throw new Error(`bench/${file} exports neither ${exportName}() nor a default function`);

const figures = await bench({ quick });
for (const [name, value] of Object.entries(figures)) {
  if (typeof value !== "number") throw new Error(`bench/${file}: figure ${name} is ${typeof value}, not a number`);
}
writeFileSync(out, JSON.stringify(figures));
// Some modules leave pools or watchers behind; their figures are written, so end the process now.
process.exit(0);
