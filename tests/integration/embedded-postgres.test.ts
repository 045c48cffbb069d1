import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createDb } from "@/server/db/client";
import { startEmbeddedPostgres } from "@/server/db/embedded-postgres";
import { migrateDatabase } from "@/server/db/migrate";

describe("embedded Postgres (no DATABASE_URL)", () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await fs.rm(dir, { recursive: true, force: true });
  });

  it("migrates, serves Prisma over a loopback port and keeps data across restarts", async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), "autocode-embedded-"));
    dirs.push(dir);
    const port = 56000 + Math.floor(Math.random() * 3000);

    const first = await startEmbeddedPostgres({ dataDir: path.join(dir, "pglite"), port });
    await migrateDatabase(first.url);
    const database = createDb(first.url);
    await database.user.create({ data: { email: "kept@example.test" } });
    await database.$disconnect();
    await first.stop();

    const second = await startEmbeddedPostgres({ dataDir: path.join(dir, "pglite"), port });
    await migrateDatabase(second.url); // idempotent on an up-to-date database
    const again = createDb(second.url);
    expect(await again.user.count({ where: { email: "kept@example.test" } })).toBe(1);
    await again.$disconnect();
    await second.stop();
  });

  it("refuses a port already in use with a message that says what to do", async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), "autocode-embedded-"));
    dirs.push(dir);
    const port = 59500 + Math.floor(Math.random() * 400);
    const running = await startEmbeddedPostgres({ dataDir: path.join(dir, "a"), port });
    await expect(startEmbeddedPostgres({ dataDir: path.join(dir, "b"), port })).rejects.toThrow(/EMBEDDED_PG_PORT .* in use/);
    await running.stop();
  });
});
