import fs from "node:fs";
import path from "node:path";
import type { Db } from "@/server/db/client";

const MIGRATION = path.join(import.meta.dirname, "../../prisma/migrations/20261201033000_insights_columns/migration.sql");

/**
 * Runs the insights migration's backfill again (idempotent): for runs written straight into the tables, as
 * code before the stored figures wrote them (seeded tests, the bench's set-based seeding).
 */
export async function backfillInsightsFigures(db: Db): Promise<void> {
  const backfill = /-- BACKFILL[^\n]*\n([\s\S]*?)-- END BACKFILL/.exec(fs.readFileSync(MIGRATION, "utf8"))?.[1];
  if (!backfill) throw new Error(`no BACKFILL section in ${MIGRATION}`);
  for (const statement of backfill.split(/;\s*\n/).filter((sql) => sql.trim())) await db.$executeRawUnsafe(statement);
}
