-- Plan review: a run can stop after planning until its plan is approved (issue #14)
ALTER TYPE "RunStatus" ADD VALUE 'AWAITING_APPROVAL' AFTER 'RUNNING';

ALTER TABLE "Project" ADD COLUMN "requirePlanApproval" BOOLEAN NOT NULL DEFAULT false;

ALTER TABLE "Run" ADD COLUMN "planReview" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN "approvalDeadline" TIMESTAMP(3);

