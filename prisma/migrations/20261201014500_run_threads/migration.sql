-- AlterTable: runs of one conversation (follow-ups) share a thread
ALTER TABLE "Run" ADD COLUMN "threadId" TEXT;
ALTER TABLE "Run" ADD COLUMN "parentRunId" TEXT;

CREATE INDEX "Run_threadId_createdAt_idx" ON "Run"("threadId", "createdAt");
