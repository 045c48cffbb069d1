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
  const embedded = url.searchParams.get("pglite") === "1";
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
