import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "@/generated/prisma/client";
import { env } from "@/server/env";
import { poolConfigFromUrl } from "./pg-config";

export type Db = PrismaClient;

export function databaseUrl(): string {
  const url = env().DATABASE_URL ?? process.env.DATABASE_URL;
  if (!url) {
    throw new Error("DATABASE_URL is not set. Start the app with `npm run dev`, which starts the embedded database.");
  }
  return url;
}

export function createDb(url = databaseUrl()): Db {
  return new PrismaClient({ adapter: new PrismaPg(poolConfigFromUrl(url, { max: 10 })) });
}

// One client per process; cached on globalThis so dev hot reloads do not open a new pool each time.
const globalForDb = globalThis as unknown as { autocodeDb?: Db };

export function db(): Db {
  globalForDb.autocodeDb ??= createDb();
  return globalForDb.autocodeDb;
}
