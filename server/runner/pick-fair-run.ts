import type { Db } from "@/server/db/client";

/**
 * The queued run to claim next, fairly across users: among users with a claimable run (not cancelled, below
 * perUserLimit), the one with the fewest runs running, then the one served least recently (round-robin), then
 * that user's oldest queued run. Null when nothing is claimable. A hint only: claimRun still decides under the
 * row lock, so two workers picking the same run cannot both run it.
 */
export async function pickFairRun(options: { db: Db; perUserLimit?: number }): Promise<string | null> {
  const limit = options.perUserLimit ?? 2_147_483_647;
  const rows = await options.db.$queryRaw<{ id: string }[]>`
    WITH first_queued AS (
      SELECT DISTINCT ON (t."authorId") r.id, t."authorId", r."queuedAt"
      FROM "Run" r JOIN "Task" t ON t.id = r."taskId"
      WHERE r.status = 'QUEUED' AND r."cancelRequestedAt" IS NULL
        -- The run row is committed before its run.queued event: a run is claimable once that event is stored,
        -- or a claim could take seq 1 ahead of it.
        AND EXISTS (SELECT 1 FROM "RunEvent" e WHERE e."runId" = r.id AND e.seq = 1)
      ORDER BY t."authorId", r."queuedAt", r.id
    ), served AS (
      SELECT t."authorId",
             count(*) FILTER (WHERE r.status = 'RUNNING')::int AS running,
             max(CASE WHEN r.status = 'RUNNING' THEN coalesce(r."startedAt", now()) ELSE r."startedAt" END) AS "lastServed"
      FROM "Run" r JOIN "Task" t ON t.id = r."taskId"
      WHERE t."authorId" IN (SELECT "authorId" FROM first_queued) AND r.status <> 'QUEUED'
      GROUP BY t."authorId"
    )
    SELECT f.id FROM first_queued f LEFT JOIN served s ON s."authorId" = f."authorId"
    WHERE coalesce(s.running, 0) < ${limit}
    ORDER BY coalesce(s.running, 0), s."lastServed" ASC NULLS FIRST, f."queuedAt", f.id
    LIMIT 1`;
  return rows[0]?.id ?? null;
}
