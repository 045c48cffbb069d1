import type { PoolConfig } from "pg";

/**
 * Splits a postgres:// URL into the separate fields pg wants. Prisma's schema engine derives its shadow
 * database from these fields; given a connectionString it would reuse the main database (STACK.md, trap 2).
 */
export function poolConfigFromUrl(databaseUrl: string, overrides: PoolConfig = {}): PoolConfig {
  const url = new URL(databaseUrl);
  if (url.protocol !== "postgres:" && url.protocol !== "postgresql:") {
    throw new Error(`DATABASE_URL must be a postgres:// URL (got ${url.protocol}//…)`);
  }
  const sslmode = url.searchParams.get("sslmode");
  // PGlite is one database session; its socket server multiplexes connections onto it at the message level,
  // so two connections' extended-protocol messages (parse/bind) and transactions can interleave. Each client
  // of the embedded database therefore keeps to a single connection, and its queries queue in the pool.
  const embedded = isEmbeddedUrl(databaseUrl);
  return {
    host: decodeURIComponent(url.hostname) || "localhost",
    port: url.port ? Number(url.port) : 5432,
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    database: decodeURIComponent(url.pathname.replace(/^\//, "")) || "postgres",
    ssl: sslmode && sslmode !== "disable" ? { rejectUnauthorized: sslmode === "verify-full" } : undefined,
    ...overrides,
    ...(embedded ? { max: 1 } : {}),
  };
}

/** Marks a URL as the embedded server, whose clients must each keep to one connection. */
export const EMBEDDED_PARAM = "pglite";

/** True for the embedded Postgres (PGlite) that server/db/embedded-postgres.ts serves. */
export function isEmbeddedUrl(databaseUrl: string): boolean {
  try {
    return new URL(databaseUrl).searchParams.get(EMBEDDED_PARAM) === "1";
  } catch {
    return false;
  }
}
