/**
 * A project's insights: outcomes per day, verified rate, medians, cost by agent and model, failure reasons
 * and the slowest steps. Every figure is one SQL aggregate over the stored Run, Step and RunUsage rows
 * (kept up to date by the event fold as events are appended), never a re-read of the event log.
 */
import { Prisma } from "@/generated/prisma/client";
import { requireProject } from "@/server/access/project-access";
import type { Db } from "@/server/db/client";
import { OUTCOMES, type TCostTotals, type TInsightsInput, type TOutcome, type TProjectInsights } from "./insights-schemas";

const num = (value: unknown): number => (value === null || value === undefined ? 0 : Number(value));
const numOrNull = (value: unknown): number | null => (value === null || value === undefined ? null : Number(value));
const DAY_MS = 86_400_000;
const isoDay = (at: number) => new Date(at).toISOString().slice(0, 10);

export async function getProjectInsights(options: { db: Db; userId: string; input: TInsightsInput }): Promise<TProjectInsights> {
  const { db, userId, input } = options;
  const project = await requireProject({ db, userId, projectId: input.projectId, need: "read" });
  // Only the owner sees everyone's runs; a member's insights are always their own (whatever they ask for).
  const owner = project.ownerId === userId;
  const authorId = owner ? input.authorId : userId;
  const byAuthor = authorId ? Prisma.sql`JOIN "Task" t ON t."id" = r."taskId" AND t."authorId" = ${authorId}` : Prisma.empty;
  const inRange = (from: Date, to: Date) => Prisma.sql`r."projectId" = ${input.projectId} AND r."createdAt" >= ${from} AND r."createdAt" < ${to}`;
  // Run.outcome, durationMs and slowestStepMs are kept by the event fold and covered by Run_insights_idx: one index-only scan.
  const runs = Prisma.sql`FROM "Run" r ${byAuthor} WHERE ${inRange(input.from, input.to)}`;

  const [days, summary, usage, reasons, steps, users] = await Promise.all([
    db.$queryRaw<{ day: string; outcome: TOutcome | "in_progress"; runs: number }[]>`
      SELECT to_char(day, 'YYYY-MM-DD') AS day, outcome, runs FROM (
        SELECT date_trunc('day', r."createdAt") AS day, COALESCE(r."outcome", 'in_progress') AS outcome, COUNT(*)::int AS runs ${runs} GROUP BY 1, 2
      ) d ORDER BY 1`,
    db.$queryRaw<Record<string, unknown>[]>`
      SELECT COUNT(*)::int AS runs, COUNT(r."outcome")::int AS finished,
        COUNT(*) FILTER (WHERE r."outcome" = 'verified')::int AS verified,
        percentile_cont(0.5) WITHIN GROUP (ORDER BY r."durationMs") FILTER (WHERE r."durationMs" IS NOT NULL) AS "medianDurationMs",
        percentile_cont(0.5) WITHIN GROUP (ORDER BY r."costUsd") FILTER (WHERE r."outcome" IS NOT NULL) AS "medianCostUsd",
        COALESCE(SUM(r."costUsd"), 0) AS "totalCostUsd"
      ${runs}`,
    costByAgentAndModel({ db, projectId: input.projectId, authorId, from: input.from, to: input.to, inRange, byAuthor }),
    db.$queryRaw<{ reason: string; runs: number }[]>`
      SELECT left(COALESCE(NULLIF(r."statusReason", ''), '(no reason recorded)'), 200) AS reason, COUNT(*)::int AS runs
      ${runs} AND r."outcome" = 'failed' GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 10`,
    // The ten slowest steps all belong to the ten runs whose slowest step is slowest: only those runs' steps are read.
    db.$queryRaw<{ runId: string; stepId: string; agent: string; description: string; durationMs: number }[]>`
      WITH top AS (SELECT r."id" ${runs} AND r."slowestStepMs" IS NOT NULL ORDER BY r."slowestStepMs" DESC LIMIT 10)
      SELECT s."runId", s."planStepId" AS "stepId", s."agent", left(s."description", 200) AS description, s."durationMs"
      FROM "Step" s JOIN top ON top."id" = s."runId"
      WHERE s."durationMs" IS NOT NULL ORDER BY s."durationMs" DESC, s."runId", s."order" LIMIT 10`,
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
    costByAgent: usage.byAgent,
    costByModel: usage.byModel,
    failureReasons: reasons,
    slowestSteps: steps.map((step) => ({ ...step, durationMs: num(step.durationMs) })),
  };
}

/**
 * Cost by agent and by model in one query: whole UTC days from the UsageDay rollup, the partial days at the
 * range's ends from RunUsage joined to those runs (the rollup's days are the runs' creation days).
 */
async function costByAgentAndModel(options: { db: Db; projectId: string; authorId: string | null; from: Date; to: Date; inRange: (from: Date, to: Date) => Prisma.Sql; byAuthor: Prisma.Sql }) {
  const { db, projectId, authorId, from, to, inRange, byAuthor } = options;
  const firstDay = Math.ceil(from.getTime() / DAY_MS) * DAY_MS;
  const endDay = Math.floor(to.getTime() / DAY_MS) * DAY_MS;
  const raw = (a: Date, b: Date) => Prisma.sql`SELECT u."role", u."model", u."calls", u."tokensIn" + u."tokensOut" AS tokens, u."costUsd"
    FROM "RunUsage" u JOIN "Run" r ON r."id" = u."runId" ${byAuthor} WHERE ${inRange(a, b)}`;
  const parts = firstDay < endDay
    ? Prisma.sql`SELECT u."role", u."model", u."calls", u."tokensIn" + u."tokensOut" AS tokens, u."costUsd" FROM "UsageDay" u
        WHERE u."projectId" = ${projectId} AND u."day" >= ${isoDay(firstDay)}::date AND u."day" < ${isoDay(endDay)}::date
          ${authorId ? Prisma.sql`AND u."authorId" = ${authorId}` : Prisma.empty}
        UNION ALL ${raw(from, new Date(firstDay))} UNION ALL ${raw(new Date(endDay), to)}`
    : raw(from, to);
  const rows = await db.$queryRaw<{ role: string | null; model: string | null; calls: number; tokens: unknown; costUsd: unknown }[]>`
    SELECT p.role, p.model, SUM(p."calls")::int AS calls, SUM(p.tokens) AS tokens, SUM(p."costUsd") AS "costUsd"
    FROM (SELECT COALESCE(NULLIF(q."role", ''), '(unknown)') AS role, COALESCE(NULLIF(q."model", ''), '(unknown)') AS model, q."calls", q.tokens, q."costUsd"
      FROM (${parts}) q) p
    -- A row per role (model null) and a row per model (role null).
    GROUP BY GROUPING SETS ((p.role), (p.model)) ORDER BY "costUsd" DESC, 1, 2`;
  const cost = (key: string, row: (typeof rows)[number]) => ({ key, calls: row.calls, tokens: num(row.tokens), costUsd: num(row.costUsd) });
  return {
    byAgent: rows.filter((row) => row.model === null).map((row) => cost(row.role!, row)),
    byModel: rows.filter((row) => row.role === null).map((row) => cost(row.model!, row)),
  };
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
