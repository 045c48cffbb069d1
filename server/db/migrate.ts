import { spawn } from "node:child_process";
import fs from "node:fs/promises";
import path from "node:path";
import pg from "pg";
import { poolConfigFromUrl } from "./pg-config";

const root = path.resolve(import.meta.dirname, "../..");

/**
 * Committed migrations the database has not applied, or null when it cannot tell (no migrations table yet, a
 * failed or rolled-back migration, one the checkout does not have): then `prisma migrate deploy` decides.
 */
export async function pendingMigrations(databaseUrl: string): Promise<string[] | null> {
  const entries = await fs.readdir(path.join(root, "prisma", "migrations"), { withFileTypes: true });
  const committed = entries.filter((entry) => entry.isDirectory()).map((entry) => entry.name);
  const client = new pg.Client(poolConfigFromUrl(databaseUrl));
  try {
    await client.connect();
    const { rows } = await client.query<{ migration_name: string; finished_at: Date | null; rolled_back_at: Date | null }>(
      `SELECT migration_name, finished_at, rolled_back_at FROM _prisma_migrations`,
    );
    if (rows.some((row) => !row.finished_at || row.rolled_back_at)) return null;
    const applied = new Set(rows.map((row) => row.migration_name));
    if ([...applied].some((name) => !committed.includes(name))) return null;
    return committed.filter((name) => !applied.has(name));
  } catch {
    return null;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Applies committed migrations with `prisma migrate deploy` on the wasm engines. When nothing is pending it
 * returns after one query: starting the schema engine costs seconds (issue #17: 3-7 s of every start-up).
 */
export async function migrateDatabase(databaseUrl: string): Promise<void> {
  if ((await pendingMigrations(databaseUrl))?.length === 0) return;
  const prismaBin = path.join(root, "node_modules", ".bin", "prisma");
  const preload = `--require=${path.join(root, "scripts", "unref-timers.cjs")}`;
  const output: string[] = [];
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(prismaBin, ["migrate", "deploy"], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: databaseUrl, NODE_OPTIONS: [process.env.NODE_OPTIONS, preload].filter(Boolean).join(" ") },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout.on("data", (chunk: Buffer) => output.push(chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => output.push(chunk.toString()));
    child.once("error", reject);
    child.once("close", resolve);
  });
  if (code !== 0) {
    throw new Error(`Database migration failed (prisma migrate deploy exited ${code}):\n${output.join("").trim()}`);
  }
}
