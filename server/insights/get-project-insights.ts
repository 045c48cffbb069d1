/**
 * A project's insights: outcomes per day, verified rate, medians, cost by agent and model, failure reasons
 * and the slowest steps. Every figure is one SQL aggregate over the stored Run, Step and RunUsage rows
 * (kept up to date by the event fold as events are appended), never a re-read of the event log.
 */
import { Prisma } from "@/generated/prisma/client";
import { requireProject } from "@/server/access/project-access";
import type { Db } from "@/server/db/client";
import { OUTCOMES, type TCostTotals, type TInsightsInput, type TOutcome, type TProjectInsights } from "./insights-schemas";

/** A finished run's outcome: verified by execution, passed without proof (needs review), failed, cancelled. */
const OUTCOME_SQL = Prisma.sql`CASE
  WHEN r."status" = 'SUCCEEDED' AND r."verification"->>'outcome' = 'verified' THEN 'verified'
  WHEN r."status" = 'SUCCEEDED' THEN 'needs_review'
  WHEN r."status" IN ('FAILED', 'INTERRUPTED') THEN 'failed'
  WHEN r."status" = 'CANCELLED' THEN 'cancelled'
  ELSE 'in_progress' END`;

const num = (value: unknown): number => (value === null || value === undefined ? 0 : Number(value));
const numOrNull = (value: unknown): number | null => (value === null || value === undefined ? null : Number(value));

export async function getProjectInsights(options: { db: Db; userId: string; input: TInsightsInput }): Promise<TProjectInsights> {
  const { db, userId, input } = options;
  const project = await requireProject({ db, userId, projectId: input.projectId, need: "read" });
  // Only the owner sees everyone's runs; a member's insights are always their own (whatever they ask for).
  const owner = project.ownerId === userId;
  const authorId = owner ? input.authorId : userId;
  const runs = Prisma.sql`SELECT r."id", r."status", r."statusReason", r."costUsd", r."startedAt", r."finishedAt", r."createdAt", ${OUTCOME_SQL} AS outcome
    FROM "Run" r ${authorId ? Prisma.sql`JOIN "Task" t ON t."id" = r."taskId" AND t."authorId" = ${authorId}` : Prisma.empty}
    WHERE r."projectId" = ${input.projectId} AND r."createdAt" >= ${input.from} AND r."createdAt" < ${input.to}`;

  const [days, summary, byAgent, byModel, reasons, steps, users] = await Promise.all([
    db.$queryRaw<{ day: string; outcome: TOutcome | "in_progress"; runs: number }[]>`
      WITH runs AS (${runs})
      SELECT to_char(date_trunc('day', "createdAt"), 'YYYY-MM-DD') AS day, outcome, COUNT(*)::int AS runs FROM runs GROUP BY 1, 2 ORDER BY 1`,
    db.$queryRaw<Record<string, unknown>[]>`
      WITH runs AS (${runs})
      SELECT COUNT(*)::int AS runs,
        COUNT(*) FILTER (WHERE outcome <> 'in_progress')::int AS finished,
        COUNT(*) FILTER (WHERE outcome = 'verified')::int AS verified,
        percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM ("finishedAt" - "startedAt")) * 1000) FILTER (WHERE "finishedAt" IS NOT NULL AND "startedAt" IS NOT NULL) AS "medianDurationMs",
        percentile_cont(0.5) WITHIN GROUP (ORDER BY "costUsd") FILTER (WHERE outcome <> 'in_progress') AS "medianCostUsd",
        COALESCE(SUM("costUsd"), 0) AS "totalCostUsd"
      FROM runs`,
    costBy(db, runs, Prisma.sql`u."role"`),
    costBy(db, runs, Prisma.sql`u."model"`),
    db.$queryRaw<{ reason: string; runs: number }[]>`
      WITH runs AS (${runs})
      SELECT left(COALESCE(NULLIF("statusReason", ''), '(no reason recorded)'), 200) AS reason, COUNT(*)::int AS runs
      FROM runs WHERE outcome = 'failed' GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 10`,
    db.$queryRaw<{ runId: string; stepId: string; agent: string; description: string; durationMs: number }[]>`
      WITH runs AS (${runs})
      SELECT s."runId", s."planStepId" AS "stepId", s."agent", left(s."description", 200) AS description,
        (EXTRACT(EPOCH FROM (s."finishedAt" - s."startedAt")) * 1000)::float8 AS "durationMs"
      FROM "Step" s JOIN runs ON runs."id" = s."runId"
      WHERE s."finishedAt" IS NOT NULL AND s."startedAt" IS NOT NULL ORDER BY 5 DESC LIMIT 10`,
    owner
      ? db.user.findMany({ where: { OR: [{ id: project.ownerId }, { memberships: { some: { projectId: project.id } } }] }, select: { id: true, name: true, email: true }, orderBy: { email: "asc" } })
      : Promise.resolve([]),
  ]);

  const byDay = new Map<string, Record<TOutcome, number>>();
  for (const row of days) {
    if (row.outcome === "in_progress") continue;
    const counts = byDay.get(row.day) ?? { verified: 0, needs_review: 0, failed: 0, cancelled: 0 };
    counts[row.outcome] += row.runs;
    byDay.set(row.day, counts);
  }
  const s = summary[0] ?? {};
  const finished = num(s.finished);
  return {
    scope: owner ? "everyone" : "own",
    authorId,
    from: input.from,
    to: input.to,
    users: users.map((user) => ({ id: user.id, name: user.name || user.email || user.id })),
    days: [...byDay].map(([day, counts]) => {
      const total = OUTCOMES.reduce((sum, outcome) => sum + counts[outcome], 0);
      return { day, ...counts, verifiedRate: total ? counts.verified / total : null };
    }),
    summary: {
      runs: num(s.runs),
      finished,
      verified: num(s.verified),
      verifiedRate: finished ? num(s.verified) / finished : null,
      medianDurationMs: numOrNull(s.medianDurationMs),
      medianCostUsd: numOrNull(s.medianCostUsd),
      totalCostUsd: num(s.totalCostUsd),
    },
    costByAgent: byAgent,
    costByModel: byModel,
    failureReasons: reasons,
    slowestSteps: steps.map((step) => ({ ...step, durationMs: num(step.durationMs) })),
  };
}

async function costBy(db: Db, runs: Prisma.Sql, key: Prisma.Sql) {
  const rows = await db.$queryRaw<{ key: string; calls: number; tokens: unknown; costUsd: unknown }[]>`
    WITH runs AS (${runs})
    SELECT COALESCE(NULLIF(${key}, ''), '(unknown)') AS key, SUM(u."calls")::int AS calls,
      SUM(u."tokensIn" + u."tokensOut") AS tokens, SUM(u."costUsd") AS "costUsd"
    FROM "RunUsage" u JOIN runs ON runs."id" = u."runId" GROUP BY 1 ORDER BY 4 DESC, 1`;
  return rows.map((row) => ({ key: row.key, calls: row.calls, tokens: num(row.tokens), costUsd: num(row.costUsd) }));
}

/** What a project (for its owner: everyone's runs; for a member: their own) or a user (all projects) has cost. */
export async function getCostTotals(options: { db: Db; userId: string; projectId?: string | null }): Promise<TCostTotals> {
  const { db, userId, projectId } = options;
  let where = Prisma.sql`t."authorId" = ${userId}`;
  if (projectId) {
    const project = await requireProject({ db, userId, projectId, need: "read" });
    where = project.ownerId === userId ? Prisma.sql`r."projectId" = ${projectId}` : Prisma.sql`r."projectId" = ${projectId} AND t."authorId" = ${userId}`;
  }
  const monthStart = new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), 1));
  const [row] = await db.$queryRaw<Record<string, unknown>[]>`
    SELECT COALESCE(SUM(r."costUsd") FILTER (WHERE r."createdAt" >= ${monthStart}), 0) AS "monthUsd", COALESCE(SUM(r."costUsd"), 0) AS "allTimeUsd",
      COUNT(*) FILTER (WHERE r."createdAt" >= ${monthStart})::int AS "monthRuns", COUNT(*)::int AS "allTimeRuns"
    FROM "Run" r JOIN "Task" t ON t."id" = r."taskId" WHERE ${where}`;
  return { monthUsd: num(row?.monthUsd), allTimeUsd: num(row?.allTimeUsd), monthRuns: num(row?.monthRuns), allTimeRuns: num(row?.allTimeRuns) };
}
