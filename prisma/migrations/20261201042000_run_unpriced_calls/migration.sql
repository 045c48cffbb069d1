-- Model calls without a known price, so their cost shows as unknown rather than $0.
ALTER TABLE "Run" ADD COLUMN "unpricedCalls" INTEGER NOT NULL DEFAULT 0;
