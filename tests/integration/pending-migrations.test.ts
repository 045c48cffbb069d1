import fs from "node:fs";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrateDatabase, pendingMigrations } from "@/server/db/migrate";
import { createThrowawayDatabase, type ThrowawayDatabase } from "../helpers/throwaway-database";

const serverUrl = process.env.TEST_DATABASE_URL;
const committed = fs.readdirSync("prisma/migrations", { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);

describe.skipIf(!serverUrl)("start-up migrations (needs TEST_DATABASE_URL)", () => {
  let database: ThrowawayDatabase;
  beforeAll(async () => {
    database = await createThrowawayDatabase(serverUrl!, "autocode_pending");
  });
  afterAll(async () => {
    await database?.drop();
  });

  it("leaves a fresh database to prisma, then finds nothing pending, and names a migration the database lacks", async () => {
    expect(await pendingMigrations(database.url)).toBeNull();
    await migrateDatabase(database.url);
    expect(await pendingMigrations(database.url)).toEqual([]);
    // Nothing pending: a second start applies nothing and changes nothing.
    await migrateDatabase(database.url);
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ n: number }>("SELECT count(*)::int AS n FROM _prisma_migrations");
      expect(rows[0]!.n).toBe(committed.length);
      await client.query("DELETE FROM _prisma_migrations WHERE migration_name = $1", [committed.at(-1)]);
      expect(await pendingMigrations(database.url)).toEqual([committed.at(-1)]);
      await client.query("UPDATE _prisma_migrations SET finished_at = NULL WHERE migration_name = $1", [committed[0]]);
      expect(await pendingMigrations(database.url)).toBeNull();
    } finally {
      await client.end();
    }
  });
});
