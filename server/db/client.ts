import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "@/generated/prisma/client";
import { env } from "@/server/env";
import { isEmbeddedUrl, poolConfigFromUrl } from "./pg-config";

export type Db = PrismaClient;

export function databaseUrl(): string {
  const url = env().DATABASE_URL ?? process.env.DATABASE_URL;
  if (!url) {
    throw new Error("DATABASE_URL is not set. Start the app with `npm run dev`, which starts the embedded database.");
  }
  return url;
}

/**
 * A burst (twenty tasks at once, a busy machine) waits for one of the pool's connections instead of failing:
 * Prisma's 2 s default gave "Unable to start a transaction in the given time" to task.create at load 25.
 */
const TRANSACTION_OPTIONS = { maxWait: 15_000, timeout: 30_000 };

export function createDb(url = databaseUrl()): Db {
  return new PrismaClient({ adapter: new PrismaPg(poolConfigFromUrl(url, { max: 10 })), transactionOptions: TRANSACTION_OPTIONS });
}

// One client per process; cached on globalThis so dev hot reloads do not open a new pool each time.
const globalForDb = globalThis as unknown as { autocodeDb?: Db; autocodeViewerDb?: Db };
/** Connections for reading run events to viewers (backfill, resume): never taken from the writers' pool. */
const VIEWER_POOL_SIZE = 3;

export function db(): Db {
  globalForDb.autocodeDb ??= createDb();
  return globalForDb.autocodeDb;
}

/**
 * The client viewers read through: a small pool of its own for the process's db(), so any number of viewers
 * never delays a writer's transaction. Any other client (a test's, a bench's) and the embedded database (one
 * session: a second pool's reads could land inside another connection's transaction) read through `given`.
 */
export function viewerDbFor(given: Db): Db {
  if (given !== globalForDb.autocodeDb) return given;
  const url = databaseUrl();
  if (isEmbeddedUrl(url)) return given;
  globalForDb.autocodeViewerDb ??= new PrismaClient({ adapter: new PrismaPg(poolConfigFromUrl(url, { max: VIEWER_POOL_SIZE })) });
  return globalForDb.autocodeViewerDb;
}
