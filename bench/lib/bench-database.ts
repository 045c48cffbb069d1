import fs from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { startEmbeddedPostgres } from "@/server/db/embedded-postgres";
import { migrateDatabase } from "@/server/db/migrate";
import { poolConfigFromUrl } from "@/server/db/pg-config";

export interface BenchDatabase {
  url: string;
  /** "postgres" for a throwaway database on TEST_DATABASE_URL's server, "embedded" for PGlite. */
  kind: "postgres" | "embedded";
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

/**
 * A migrated, throwaway database: a fresh database on TEST_DATABASE_URL's server when that is set (as in
 * CI), otherwise an embedded Postgres (PGlite) in a temporary directory. stop() drops or deletes it.
 */
export async function startBenchDatabase(): Promise<BenchDatabase> {
  const serverUrl = process.env.TEST_DATABASE_URL;
  if (serverUrl) {
    const name = `autocode_bench_${Date.now()}_${process.pid}`;
    const admin = new pg.Client(poolConfigFromUrl(serverUrl));
    await admin.connect();
    await admin.query(`CREATE DATABASE "${name}"`);
    await admin.end();
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    await migrateDatabase(url.toString());
    return {
      url: url.toString(),
      kind: "postgres",
      async stop() {
        const client = new pg.Client(poolConfigFromUrl(serverUrl));
        await client.connect();
        await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
        await client.end();
      },
    };
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
