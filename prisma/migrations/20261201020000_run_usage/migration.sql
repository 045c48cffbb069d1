-- Model usage per run, role and model: the insights' cost by agent and by model without re-reading events.
CREATE TABLE "RunUsage" (
    "runId" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "model" TEXT NOT NULL,
    "calls" INTEGER NOT NULL DEFAULT 0,
    "tokensIn" INTEGER NOT NULL DEFAULT 0,
    "tokensOut" INTEGER NOT NULL DEFAULT 0,
    "costUsd" DOUBLE PRECISION NOT NULL DEFAULT 0,

    CONSTRAINT "RunUsage_pkey" PRIMARY KEY ("runId","role","model")
);

ALTER TABLE "RunUsage" ADD CONSTRAINT "RunUsage_runId_fkey" FOREIGN KEY ("runId") REFERENCES "Run"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Runs by author within a project (the insights' user filter).
CREATE INDEX "Task_authorId_projectId_idx" ON "Task"("authorId", "projectId");

-- Runs recorded before this table: their llm.call events, once.
INSERT INTO "RunUsage" ("runId", "role", "model", "calls", "tokensIn", "tokensOut", "costUsd")
SELECT "runId", COALESCE("payload"->>'role', 'agent'), COALESCE("payload"->>'model', ''), COUNT(*)::int,
       COALESCE(SUM(("payload"->>'tokensIn')::numeric), 0)::int, COALESCE(SUM(("payload"->>'tokensOut')::numeric), 0)::int,
       COALESCE(SUM(("payload"->>'costUsd')::double precision), 0)
FROM "RunEvent" WHERE "type" = 'llm.call'
GROUP BY 1, 2, 3;
