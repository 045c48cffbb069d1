import path from "node:path";
import { pathToFileURL } from "node:url";

export type BenchFigures = Record<string, number>;
export type BenchFunction = (options: { quick: boolean }) => Promise<BenchFigures>;

/** True when the module at moduleUrl is the script node was started with (`npx tsx bench/<file>.ts`). */
export function isMainModule(moduleUrl: string): boolean {
  const script = process.argv[1];
  return script !== undefined && moduleUrl === pathToFileURL(path.resolve(script)).href;
}

/** Runs one bench module alone: `--quick` (or CI=true) for the short version; prints its figures as JSON. */
export function runStandalone(moduleUrl: string, bench: BenchFunction): void {
  if (!isMainModule(moduleUrl)) return;
  const quick = process.argv.includes("--quick") || process.env.CI === "true";
  bench({ quick })
    .then((figures) => console.log(JSON.stringify(figures, null, 2)))
    .catch((error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    });
}
