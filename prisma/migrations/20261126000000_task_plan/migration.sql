-- AlterTable: a fixed plan given by the caller (the original /api/agent/run_parallel)
ALTER TABLE "Task" ADD COLUMN "plan" JSONB;
