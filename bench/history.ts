/**
 * Does a project's task history stay fast with 10,000 runs? Seeds 10,000 runs in one project (and 10,000 in
 * another, so the project filter has work to do), then times `listRuns`, the service behind `run.list`: the
 * first page, a page 5,000 rows deep (keyset cursor), a status filter and a text search. Baseline in the
 * same run: the same deep page through OFFSET pagination.
 *
 * Run alone: npx tsx bench/history.ts [--quick]
 */
import { startBenchDatabase } from "@/bench/lib/bench-database";
import { runStandalone } from "@/bench/lib/standalone";
import { median, round, timed } from "@/bench/lib/stats";
import { createDb } from "@/server/db/client";
import { listRuns } from "@/server/runs/list-runs";

const RUNS_PER_PROJECT = 10_000;
const DEPTH = 5_000;
const PAGE = 25;

export async function benchHistory({ quick = false }: { quick?: boolean } = {}): Promise<Record<string, number>> {
  const repetitions = quick ? 5 : 25;
  const database = await startBenchDatabase();
  const db = createDb(database.url);
  try {
    const user = await db.user.create({ data: { email: `history-${Date.now()}@bench.test` } });
    const projects = await Promise.all(
      ["history", "neighbour"].map((name) => db.project.create({ data: { ownerId: user.id, name, repoPath: "/nonexistent" } })),
    );
    for (const project of projects) {
      // One INSERT ... SELECT per table: seeding 10,000 rows through the ORM would dominate the bench's time.
      await db.$executeRawUnsafe(
        `INSERT INTO "Task" (id, "projectId", "authorId", prompt, "contextFiles", "createdAt")
         SELECT $1 || '-t' || i, $1, $2, 'Task number ' || i || CASE WHEN i % 997 = 0 THEN ' needle' ELSE '' END, '{}', now() - (i || ' seconds')::interval
         FROM generate_series(1, ${RUNS_PER_PROJECT}) AS i`,
        project.id,
        user.id,
      );
      await db.$executeRawUnsafe(
        `INSERT INTO "Run" (id, "taskId", "projectId", status, "createdAt", "queuedAt")
         SELECT $1 || '-r' || i, $1 || '-t' || i, $1, (CASE WHEN i % 10 = 0 THEN 'FAILED' ELSE 'SUCCEEDED' END)::"RunStatus",
                now() - (i || ' seconds')::interval, now() - (i || ' seconds')::interval
         FROM generate_series(1, ${RUNS_PER_PROJECT}) AS i`,
        project.id,
      );
    }
    await db.$executeRawUnsafe(`ANALYZE "Run"; `);
    const projectId = projects[0]!.id;
    const deepCursor = (await db.run.findMany({ where: { projectId }, orderBy: [{ createdAt: "desc" }, { id: "desc" }], skip: DEPTH - 1, take: 1, select: { id: true } }))[0]!.id;

    const measure = async (run: () => Promise<unknown>) => {
      await run(); // warm the plan cache and the pool
      const times: number[] = [];
      for (let i = 0; i < repetitions; i++) times.push(await timed(run));
      return round(median(times), 2);
    };
    const list = (input: Parameters<typeof listRuns>[0]["input"]) => listRuns({ db, userId: user.id, input: { projectId, limit: PAGE, ...input } });

    const firstPage = await measure(() => list({}));
    const deepPage = await measure(async () => {
      const page = await list({ cursor: deepCursor });
      if (page.runs.length !== PAGE) throw new Error(`the deep page returned ${page.runs.length} runs`);
    });
    const statusFilter = await measure(() => list({ status: "FAILED" }));
    const search = await measure(async () => {
      const page = await list({ search: "needle" });
      if (page.runs.length === 0) throw new Error("the search found nothing");
    });
    const offsetBaseline = await measure(() =>
      db.run.findMany({ where: { projectId }, orderBy: [{ createdAt: "desc" }, { id: "desc" }], skip: DEPTH, take: PAGE + 1, include: { task: { select: { prompt: true } } } }),
    );
    return {
      "history.runs": RUNS_PER_PROJECT,
      "history.repetitions": repetitions,
      "history.first_page_p50_ms": firstPage,
      "history.deep_page_p50_ms": deepPage,
      "history.status_filter_p50_ms": statusFilter,
      "history.search_p50_ms": search,
      "history.baseline_offset_deep_page_p50_ms": offsetBaseline,
    };
  } finally {
    await db.$disconnect();
    await database.stop();
  }
}

export default benchHistory;

runStandalone(import.meta.url, benchHistory);
