import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { freePort } from "@/bench/lib/bench-database";
import { median, percentile, round } from "@/bench/lib/stats";
import { createChromaClient, startChromaServer } from "@/server/memory/chroma-server";
import { chunkSource } from "@/server/memory/chunk-source";
import { HashedEmbedder } from "@/server/memory/hashed-embedder";
import { listSourceFiles, readSourceFile } from "@/server/memory/list-source-files";
import { MemoryService } from "@/server/memory/memory-store";

/**
 * Index throughput on the Python standard library, save-to-searchable latency in a watched repository, and
 * docstring -> file retrieval, against a real bundled Chroma server started for the run.
 */
const CORPUS = "/usr/lib/python3.11";


interface DocstringQuery {
  file: string;
  query: string;
}

/** Functions whose body opens with a docstring of at least four words: the docstring is the query. */
function docstringQueries(root: string, files: string[], limit: number): DocstringQuery[] {
  const all: DocstringQuery[] = [];
  const pattern = /^[ \t]*def\s+\w+\s*\([^)]*\)[^:]*:\s*\n[ \t]+[rRuU]?("""|''')([\s\S]*?)\1/gm;
  for (const file of files) {
    const text = readFileSync(path.join(root, file), "utf8");
    for (const match of text.matchAll(pattern)) {
      const doc = (match[2] ?? "").split(/\n\s*\n/)[0]?.replace(/\s+/g, " ").trim() ?? "";
      if (doc.split(" ").length >= 4) all.push({ file, query: doc });
    }
  }
  const step = Math.max(1, Math.floor(all.length / limit));
  return all.filter((_, index) => index % step === 0).slice(0, limit);
}

export async function benchIndex(options: { quick?: boolean } = {}): Promise<Record<string, number>> {
  const quick = options.quick ?? false;
  const tmp = mkdtempSync(path.join(os.tmpdir(), "bench-index-"));
  const chroma = await startChromaServer({ dataPath: path.join(tmp, "chroma"), port: await freePort() });
  const embedder = new HashedEmbedder();
  const service = new MemoryService({ client: createChromaClient(chroma.url), embedder });
  try {
    // Corpus: the whole standard library, or every 8th file in quick mode (copied so the index sees only those).
    let root = CORPUS;
    let files = await listSourceFiles(CORPUS);
    if (quick) {
      root = path.join(tmp, "corpus");
      files = files.filter((_, index) => index % 8 === 0);
      for (const file of files) {
        mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
        copyFileSync(path.join(CORPUS, file), path.join(root, file));
      }
    }

    // Baseline in the same run: read + chunk + embed only, no Chroma.
    const embedOnly: number[] = [];
    for (let run = 0; run < (quick ? 1 : 3); run++) {
      const started = performance.now();
      for (const file of files) {
        const read = await readSourceFile(root, file);
        if (read.ok) await embedder.embed(chunkSource(file, read.text).map((chunk) => `${file}\n${chunk.text}`));
      }
      embedOnly.push(files.length / ((performance.now() - started) / 1000));
    }

    const throughput: number[] = [];
    let projectId = "";
    let indexedChunks = 0;
    for (let run = 0; run < (quick ? 1 : 3); run++) {
      projectId = `bench-stdlib-${run}`;
      const result = await service.indexProject({ projectId, root });
      indexedChunks = result.chunks;
      throughput.push(result.files / (result.durationMs / 1000));
    }

    // Retrieval: query each docstring; a hit is its file among the top 5 snippets.
    const queries = docstringQueries(root, files, quick ? 60 : 300);
    let hits = 0;
    const queryMs: number[] = [];
    for (const { file, query } of queries) {
      const started = performance.now();
      const snippets = await service.searchRepository({ projectId, query, k: 5 });
      queryMs.push(performance.now() - started);
      if (snippets.some((snippet) => snippet.path === file)) hits++;
    }

    // Freshness: save a file in a watched repository, then poll search until the change is retrievable.
    const repo = path.join(tmp, "watched");
    mkdirSync(repo);
    for (const file of files.slice(0, 40)) {
      mkdirSync(path.dirname(path.join(repo, file)), { recursive: true });
      copyFileSync(path.join(root, file), path.join(repo, file));
    }
    execFileSync("git", ["init", "-q", repo]);
    service.watchProject({ projectId: "bench-watched", root: repo });
    await service.whenIdle("bench-watched");
    const visible: number[] = [];
    const saves = quick ? 5 : 25;
    for (let save = 0; save < saves; save++) {
      const marker = `zq${save}x${Math.random().toString(36).slice(2, 8)}`;
      const started = performance.now();
      writeFileSync(path.join(repo, "edited.py"), `def ${marker}_handler(request):\n    """Handle ${marker} requests."""\n    return ${marker}\n`);
      for (;;) {
        const [top] = await service.searchRepository({ projectId: "bench-watched", query: `${marker} handler`, k: 1 });
        if (top?.text.includes(marker)) break;
        if (performance.now() - started > 10_000) throw new Error(`save ${save} not visible after 10 s`);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      visible.push(performance.now() - started);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }

    return {
      "index.files": files.length,
      "index.chunks": indexedChunks,
      "index.files_per_s": round(median(throughput)),
      "index.baseline_embed_only_files_per_s": round(median(embedOnly)),
      "index.update_visible_p50_ms": round(median(visible)),
      "index.update_visible_p95_ms": round(percentile(visible, 95)),
      "retrieval.queries": queries.length,
      "retrieval.top5_rate": round(hits / Math.max(1, queries.length), 3),
      "retrieval.baseline_random_top5_rate": round(Math.min(1, 5 / Math.max(1, files.length)), 3),
      "retrieval.query_p50_ms": round(median(queryMs)),
    };
  } finally {
    await service.stopAll();
    await chroma.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
}

export default benchIndex;

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const quick = process.argv.includes("--quick") || process.env.CI === "true";
  benchIndex({ quick })
    .then((figures) => console.log(JSON.stringify(figures, null, 2)))
    .catch((error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    });
}
