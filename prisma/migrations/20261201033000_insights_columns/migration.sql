-- Stored per-run figures for the insights (issue 22), kept by the event fold from now on.
ALTER TABLE "Run" ADD COLUMN "outcome" TEXT, ADD COLUMN "durationMs" INTEGER, ADD COLUMN "slowestStepMs" INTEGER;
ALTER TABLE "Step" ADD COLUMN "durationMs" INTEGER;

CREATE TABLE "UsageDay" (
    "projectId" TEXT NOT NULL,
    "authorId" TEXT NOT NULL,
    "day" DATE NOT NULL,
    "role" TEXT NOT NULL,
    "model" TEXT NOT NULL,
    "calls" INTEGER NOT NULL DEFAULT 0,
    "tokensIn" BIGINT NOT NULL DEFAULT 0,
    "tokensOut" BIGINT NOT NULL DEFAULT 0,
    "costUsd" DOUBLE PRECISION NOT NULL DEFAULT 0,

    CONSTRAINT "UsageDay_pkey" PRIMARY KEY ("projectId","day","authorId","role","model")
);

ALTER TABLE "UsageDay" ADD CONSTRAINT "UsageDay_projectId_fkey" FOREIGN KEY ("projectId") REFERENCES "Project"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- BACKFILL (idempotent: every value is recomputed from its source, and tests/integration/insights.test.ts runs it again)
UPDATE "Step" SET "durationMs" = LEAST(EXTRACT(EPOCH FROM ("finishedAt" - "startedAt")) * 1000, 2147483647)::int
WHERE "finishedAt" IS NOT NULL AND "startedAt" IS NOT NULL;

UPDATE "Run" r SET
  "outcome" = CASE
    WHEN r."status" = 'SUCCEEDED' AND r."verification"->>'outcome' = 'verified' THEN 'verified'
    WHEN r."status" = 'SUCCEEDED' THEN 'needs_review'
    WHEN r."status" IN ('FAILED', 'INTERRUPTED') THEN 'failed'
    WHEN r."status" = 'CANCELLED' THEN 'cancelled' END,
  "durationMs" = CASE WHEN r."finishedAt" IS NOT NULL AND r."startedAt" IS NOT NULL
    THEN LEAST(EXTRACT(EPOCH FROM (r."finishedAt" - r."startedAt")) * 1000, 2147483647)::int END,
  "slowestStepMs" = (SELECT MAX(s."durationMs") FROM "Step" s WHERE s."runId" = r."id");

INSERT INTO "UsageDay" ("projectId", "authorId", "day", "role", "model", "calls", "tokensIn", "tokensOut", "costUsd")
SELECT r."projectId", t."authorId", r."createdAt"::date, u."role", u."model", SUM(u."calls")::int, SUM(u."tokensIn"), SUM(u."tokensOut"), SUM(u."costUsd")
FROM "RunUsage" u JOIN "Run" r ON r."id" = u."runId" JOIN "Task" t ON t."id" = r."taskId"
GROUP BY 1, 2, 3, 4, 5
ON CONFLICT ("projectId", "day", "authorId", "role", "model") DO UPDATE SET "calls" = EXCLUDED."calls",
  "tokensIn" = EXCLUDED."tokensIn", "tokensOut" = EXCLUDED."tokensOut", "costUsd" = EXCLUDED."costUsd";
-- END BACKFILL

-- Every column the insights read per run, so a project's runs are one index-only scan.
CREATE INDEX "Run_insights_idx" ON "Run"("projectId", "createdAt", "outcome", "durationMs", "costUsd", "slowestStepMs", "id");
CREATE INDEX "Step_runId_durationMs_idx" ON "Step"("runId", "durationMs" DESC);
