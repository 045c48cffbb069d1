import pg from "pg";
import { createDb, type Db } from "../../server/db/client";
import { migrateDatabase } from "../../server/db/migrate";
import { poolConfigFromUrl } from "../../server/db/pg-config";

export interface ThrowawayDatabase {
  url: string;
  drop(): Promise<void>;
}

/** A new, empty database on the server at serverUrl (for a test run or a bench), dropped by drop(). */
export async function createThrowawayDatabase(serverUrl: string, prefix: string): Promise<ThrowawayDatabase> {
  const name = `${prefix}_${Date.now()}_${process.pid}`;
  const admin = new pg.Client(poolConfigFromUrl(serverUrl));
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client(poolConfigFromUrl(serverUrl));
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

export interface MigratedDatabase {
  url: string;
  db: Db;
  /** Disconnects the client, then drops the database. */
  dispose(): Promise<void>;
}

/** A throwaway database with every migration applied and a client on it (a fresh install, or a suite's own queue). */
export async function createMigratedDatabase(serverUrl: string, prefix: string): Promise<MigratedDatabase> {
  const throwaway = await createThrowawayDatabase(serverUrl, prefix);
  try {
    await migrateDatabase(throwaway.url);
  } catch (error) {
    await throwaway.drop();
    throw error;
  }
  const db = createDb(throwaway.url);
  return {
    url: throwaway.url,
    db,
    async dispose() {
      await db.$disconnect();
      await throwaway.drop();
    },
  };
}
