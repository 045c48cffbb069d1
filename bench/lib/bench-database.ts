import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { startEmbeddedPostgres } from "@/server/db/embedded-postgres";
import { migrateDatabase } from "@/server/db/migrate";
import { freePort } from "@/tests/helpers/free-port";
import { createThrowawayDatabase } from "@/tests/helpers/throwaway-database";

export { freePort };

export interface BenchDatabase {
  url: string;
  /** "postgres" for a throwaway database on TEST_DATABASE_URL's server, "embedded" for PGlite. */
  kind: "postgres" | "embedded";
  stop(): Promise<void>;
}

/**
 * A migrated, throwaway database: a fresh database on TEST_DATABASE_URL's server when that is set (as in
 * CI), otherwise an embedded Postgres (PGlite) in a temporary directory. stop() drops or deletes it.
 */
export async function startBenchDatabase(): Promise<BenchDatabase> {
  const serverUrl = process.env.TEST_DATABASE_URL;
  if (serverUrl) {
    const database = await createThrowawayDatabase(serverUrl, "autocode_bench");
    await migrateDatabase(database.url);
    return { url: database.url, kind: "postgres", stop: database.drop };
  }
  console.warn("[bench] TEST_DATABASE_URL is unset: using an embedded Postgres (PGlite) in this process.");
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "autocode-bench-pg-"));
  const embedded = await startEmbeddedPostgres({ dataDir: path.join(dir, "pglite"), port: await freePort() });
  await migrateDatabase(embedded.url);
  return {
    url: embedded.url,
    kind: "embedded",
    async stop() {
      await embedded.stop();
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}
