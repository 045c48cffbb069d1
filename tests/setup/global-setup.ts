import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import type { TestProject } from "vitest/node";
import { startEmbeddedPostgres, type EmbeddedPostgres } from "../../server/db/embedded-postgres";
import { migrateDatabase } from "../../server/db/migrate";
import { poolConfigFromUrl } from "../../server/db/pg-config";

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
    const name = `autocode_test_${Date.now()}_${process.pid}`;
    const admin = new pg.Client(poolConfigFromUrl(serverUrl));
    await admin.connect();
    await admin.query(`CREATE DATABASE "${name}"`);
    await admin.end();
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    databaseUrl = url.toString();
    dropDatabase = async () => {
      const client = new pg.Client(poolConfigFromUrl(serverUrl));
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await client.end();
    };
  } else {
    if (process.env.CI) throw new Error("CI must run the tests against a real Postgres server: set TEST_DATABASE_URL.");
    console.warn("[tests] TEST_DATABASE_URL is unset: using an embedded Postgres (PGlite) for this run.");
    tempDir = await fs.mkdtemp(path.join(os.tmpdir(), "autocode-test-pg-"));
    embedded = await startEmbeddedPostgres({ dataDir: path.join(tempDir, "pglite"), port: 55000 + Math.floor(Math.random() * 5000) });
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
