import fs from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import { EMBEDDED_PARAM } from "./pg-config";

export interface EmbeddedPostgres {
  url: string;
  stop(): Promise<void>;
}

async function portIsFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once("error", () => resolve(false));
    probe.listen(port, host, () => probe.close(() => resolve(true)));
  });
}

/**
 * Serves a real Postgres (PGlite, compiled to wasm) on a loopback port, with its data under dataDir.
 * Used when no DATABASE_URL is configured so a fresh machine needs no database server.
 */
export async function startEmbeddedPostgres(options: { dataDir: string; port: number }): Promise<EmbeddedPostgres> {
  const host = "127.0.0.1"; // loopback only: the embedded database has no password
  if (!(await portIsFree(options.port, host))) {
    throw new Error(
      `EMBEDDED_PG_PORT ${options.port} is already in use. Is another AutoCodeAI running with the same data? ` +
        `Stop it, or set EMBEDDED_PG_PORT to a free port, or set DATABASE_URL to use a Postgres server.`,
    );
  }
  await fs.mkdir(path.dirname(options.dataDir), { recursive: true });
  const db = await PGlite.create(options.dataDir);
  const server = new PGLiteSocketServer({ db, host, port: options.port, maxConnections: 100 });
  await server.start();
  return {
    url: `postgresql://postgres:postgres@${host}:${options.port}/postgres?${EMBEDDED_PARAM}=1`,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}
