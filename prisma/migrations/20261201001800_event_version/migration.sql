-- AlterTable: the event contract schema version each event was written with (rows before it are version 1)
ALTER TABLE "RunEvent" ADD COLUMN "version" INTEGER NOT NULL DEFAULT 1;
