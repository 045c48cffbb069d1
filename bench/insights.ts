/**
 * Project insights (issue 22): the insights page's queries (getProjectInsights: outcomes per day, medians,
 * cost by agent and model, failure reasons, slowest steps) for a project with 10,000 runs over 90 days,
 * each with 3 steps and 3 RunUsage rows (and the stored figures and daily usage the event fold keeps), next to a
 * neighbour project of the same size. Median of repeats;
 * also the same with a user filter and the cost totals.
 *
 * Run alone: npx tsx bench/insights.ts [--quick]
 */
import { startBenchDatabase } from "@/bench/lib/bench-database";
import { runStandalone } from "@/bench/lib/standalone";
import { median, round, timed } from "@/bench/lib/stats";
import { createDb } from "@/server/db/client";
import { getCostTotals, getProjectInsights } from "@/server/insights/get-project-insights";
import { ZInsightsInput } from "@/server/insights/insights-schemas";
import { backfillInsightsFigures } from "@/tests/helpers/insights-backfill";

const RUNS = 10_000;

export async function benchInsights({ quick = false }: { quick?: boolean } = {}): Promise<Record<string, number>> {
  const repetitions = quick ? 5 : 21;
  const database = await startBenchDatabase();
  const db = createDb(database.url);
  try {
    const users = await Promise.all([1, 2].map((n) => db.user.create({ data: { email: `insights-${n}-${Date.now()}@bench.test` } })));
    const owner = users[0]!;
    const projects = await Promise.all(["insights", "neighbour"].map((name) => db.project.create({ data: { ownerId: owner.id, name, repoPath: "/nonexistent" } })));
    for (const project of projects) {
      // Set-based seeding: one INSERT ... SELECT per table (10,000 rows through the ORM would dominate the time).
      const p = project.id;
      await db.$executeRawUnsafe(
        `INSERT INTO "Task" (id, "projectId", "authorId", prompt, "createdAt")
         SELECT $1 || '-t' || i, $1, CASE WHEN i % 3 = 0 THEN $3 ELSE $2 END, 'Task ' || i, now() - (i * 777 || ' seconds')::interval FROM generate_series(1, ${RUNS}) AS i`,
        p, owner.id, users[1]!.id,
      );
      await db.$executeRawUnsafe(
        `INSERT INTO "Run" (id, "taskId", "projectId", status, "statusReason", "costUsd", verification, "createdAt", "queuedAt", "startedAt", "finishedAt")
         SELECT $1 || '-r' || i, $1 || '-t' || i, $1,
           (CASE WHEN i % 10 = 0 THEN 'FAILED' WHEN i % 17 = 0 THEN 'CANCELLED' ELSE 'SUCCEEDED' END)::"RunStatus",
           CASE WHEN i % 10 = 0 THEN 'reason ' || (i % 7) ELSE NULL END, (i % 50) / 100.0,
           jsonb_build_object('outcome', CASE WHEN i % 4 = 0 THEN 'asserted' ELSE 'verified' END),
           now() - (i * 777 || ' seconds')::interval, now() - (i * 777 || ' seconds')::interval, now() - (i * 777 || ' seconds')::interval,
           now() - (i * 777 - 30 - i % 90 || ' seconds')::interval
         FROM generate_series(1, ${RUNS}) AS i`,
        p,
      );
      await db.$executeRawUnsafe(
        `INSERT INTO "Step" (id, "runId", "planStepId", "order", agent, description, status, "startedAt", "finishedAt")
         SELECT $1 || '-s' || i || '-' || k, $1 || '-r' || i, 's' || k, k, 'coder', 'step ' || k, 'SUCCEEDED',
           now() - (i * 777 || ' seconds')::interval, now() - (i * 777 - k * 5 - i % 40 || ' seconds')::interval
         FROM generate_series(1, ${RUNS}) AS i, generate_series(1, 3) AS k`,
        p,
      );
      await db.$executeRawUnsafe(
        `INSERT INTO "RunUsage" ("runId", role, model, calls, "tokensIn", "tokensOut", "costUsd")
         SELECT $1 || '-r' || i, r.role, 'model-' || (i % 3), 2, 1000, 200, 0.01
         FROM generate_series(1, ${RUNS}) AS i, (VALUES ('planner'), ('coder'), ('critic')) AS r(role)`,
        p,
      );
    }
    // The rows went in set-based, past the event fold: fill the stored figures as the migration does for old runs.
    await backfillInsightsFigures(db);
    // VACUUM as autovacuum does after bulk inserts: it marks the pages all-visible, which index-only scans rely on.
    for (const table of ["Run", "Step", "Task", "RunUsage", "UsageDay"]) await db.$executeRawUnsafe(`VACUUM ANALYZE "${table}"`);
    const projectId = projects[0]!.id;
    const measure = async (run: () => Promise<unknown>) => {
      await run(); // warm the plan cache and the pool
      const times: number[] = [];
      for (let i = 0; i < repetitions; i++) times.push(await timed(run));
      return round(median(times), 2);
    };
    // The whole history of the project: all 10,000 runs are in the range.
    const input = ZInsightsInput.parse({ projectId, from: new Date(Date.now() - 100 * 86_400_000), to: new Date(Date.now() + 86_400_000) });
    const all = await getProjectInsights({ db, userId: owner.id, input });
    if (all.summary.runs !== RUNS) throw new Error(`the insights counted ${all.summary.runs} runs, not ${RUNS}`);
    return {
      "insights.runs": RUNS,
      "insights.repetitions": repetitions,
      "insights.project_10k_ms": await measure(() => getProjectInsights({ db, userId: owner.id, input })),
      "insights.user_filter_ms": await measure(() => getProjectInsights({ db, userId: owner.id, input: { ...input, authorId: users[1]!.id } })),
      "insights.cost_totals_ms": await measure(() => getCostTotals({ db, userId: owner.id, projectId })),
    };
  } finally {
    await db.$disconnect();
    await database.stop();
  }
}

export default benchInsights;

runStandalone(import.meta.url, benchInsights);
