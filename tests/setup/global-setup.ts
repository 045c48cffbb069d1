import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { startEmbeddedPostgres, type EmbeddedPostgres } from "../../server/db/embedded-postgres";
import { migrateDatabase } from "../../server/db/migrate";
import { freePort } from "../helpers/free-port";
import { createThrowawayDatabase } from "../helpers/throwaway-database";

declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string;
  }
}

/**
 * One migrated database for the whole run: a fresh database on TEST_DATABASE_URL's server (CI uses the
 * machine's Postgres), or, when that is unset, an embedded Postgres in a temporary directory.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const serverUrl = process.env.TEST_DATABASE_URL;
  let embedded: EmbeddedPostgres | undefined;
  let tempDir: string | undefined;
  let databaseUrl: string;
  let dropDatabase: (() => Promise<void>) | undefined;

  if (serverUrl) {
    const database = await createThrowawayDatabase(serverUrl, "autocode_test");
    databaseUrl = database.url;
    dropDatabase = database.drop;
  } else {
    if (process.env.CI) throw new Error("CI must run the tests against a real Postgres server: set TEST_DATABASE_URL.");
    console.warn("[tests] TEST_DATABASE_URL is unset: using an embedded Postgres (PGlite) for this run.");
    tempDir = await fs.mkdtemp(path.join(os.tmpdir(), "autocode-test-pg-"));
    embedded = await startEmbeddedPostgres({ dataDir: path.join(tempDir, "pglite"), port: await freePort() });
    databaseUrl = embedded.url;
  }
  await migrateDatabase(databaseUrl);
  project.provide("databaseUrl", databaseUrl);

  return async () => {
    // After the whole suite no container of a test process may remain. The test processes have exited, so
    // their containers are orphans; containers of a live app on the same engine are left alone.
    const { reapOrphans } = await import("../../server/sandbox/reap-orphans");
    const left = await reapOrphans().catch(() => 0);
    if (left > 0) console.warn(`[tests] removed ${left} sandbox container(s) that a test left behind`);
    await dropDatabase?.();
    await embedded?.stop();
    if (tempDir) await fs.rm(tempDir, { recursive: true, force: true });
  };
}
