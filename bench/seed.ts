/**
 * Putting a repository into a run's sandbox: 10,000 files / 200 MB as one tar stream (Docker putArchive, what
 * runs do now) against the JSON line the runner used to receive, on the same files in the same run; and the
 * same pair on 1,000 files / 20 MB, where the JSON line still fits in the container's memory.
 *
 * Run alone: npx tsx bench/seed.ts [--quick]
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { median, round } from "@/bench/lib/stats";
import { DockerSandbox } from "@/server/sandbox/docker-sandbox";
import { packDirectory } from "@/server/sandbox/pack-directory";
import type { DockerSandboxSession } from "@/server/sandbox/sandbox-session";

function makeTree(files: number, bytesEach: number): { root: string; paths: string[] } {
  const root = mkdtempSync(path.join(os.tmpdir(), "bench-seed-"));
  const line = "x = 'the quick brown fox jumps over the lazy dog'  # padding\n";
  const body = line.repeat(Math.ceil(bytesEach / line.length)).slice(0, bytesEach);
  const paths: string[] = [];
  for (let i = 0; i < files; i++) {
    const rel = `pkg${i % 100}/mod_${i}.py`;
    if (i < 100) mkdirSync(path.join(root, `pkg${i}`));
    writeFileSync(path.join(root, rel), body);
    paths.push(rel);
  }
  return { root, paths };
}

async function fileCount(session: DockerSandboxSession): Promise<number> {
  const result = await session.exec(["sh", "-c", "find . -type f | wc -l"], { timeoutMs: 60_000 });
  return Number(result.stdout.trim());
}

export async function benchSeed(options: { quick: boolean } = { quick: false }): Promise<Record<string, number>> {
  const runs = options.quick ? 1 : 3;
  const sandbox = new DockerSandbox({ poolSize: 0 });
  const figures: Record<string, number> = { "seed.runs": runs };
  try {
    for (const [label, files, bytesEach] of [["", 10_000, 20_000], ["small_", 1_000, 20_000]] as const) {
      const { root, paths } = makeTree(files, bytesEach);
      const tar: number[] = [];
      const json: number[] = [];
      let jsonFailed = 0;
      try {
        for (let run = 0; run < runs; run++) {
          // Container start is not part of either figure: each session is open before the clock starts.
          const tarSession = await sandbox.openSession(`bench-seed-tar-${label}${run}`);
          let started = performance.now();
          await tarSession.writeTree(await packDirectory({ root, limitBytes: 1024 ** 3, limitName: "bench" }));
          tar.push(performance.now() - started);
          if ((await fileCount(tarSession)) !== files) throw new Error("tar seed lost files");
          await tarSession.close();

          const jsonSession = await sandbox.openSession(`bench-seed-json-${label}${run}`);
          started = performance.now();
          try {
            const contents = await Promise.all(paths.map(async (p) => ({ path: p, content: await readFile(path.join(root, p), "utf8") })));
            await jsonSession.writeFiles(contents);
            json.push(performance.now() - started);
            if ((await fileCount(jsonSession)) !== files) throw new Error("JSON seed lost files");
          } catch (error) {
            // The old path holds the whole line (and its parse) in the container's 512 MB: at 200 MB it dies.
            jsonFailed++;
            console.warn(`JSON line seed of ${files} files failed: ${error instanceof Error ? error.message : String(error)}`);
          }
          await jsonSession.close().catch(() => undefined);
        }
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
      figures[`seed.${label}tar_ms`] = round(median(tar));
      figures[`seed.${label}json_line_ms`] = json.length ? round(median(json)) : -1;
      figures[`seed.${label}json_line_failures`] = jsonFailed;
      figures[`seed.${label}mb`] = round((files * bytesEach) / 1e6);
    }
    return figures;
  } finally {
    await sandbox.shutdown();
  }
}

export default benchSeed;

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  benchSeed({ quick: process.argv.includes("--quick") })
    .then((figures) => console.log(JSON.stringify(figures, null, 2)))
    .catch((error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    });
}
