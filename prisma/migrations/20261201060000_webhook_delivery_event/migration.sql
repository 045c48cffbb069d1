-- Which announcement a delivery carried: a run's end, or a plan waiting for review.
ALTER TABLE "WebhookDelivery" ADD COLUMN "event" TEXT NOT NULL DEFAULT 'run.finished';
