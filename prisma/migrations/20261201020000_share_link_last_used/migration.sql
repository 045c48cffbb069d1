-- When a share link last opened its run (throttled to a minute), for the owner's list.
ALTER TABLE "ShareLink" ADD COLUMN "lastUsedAt" TIMESTAMP(3);
