import { randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import { startEmbeddedPostgres, type EmbeddedPostgres } from "@/server/db/embedded-postgres";
import { migrateDatabase } from "@/server/db/migrate";
import { env, resetEnvForTests, type Env } from "@/server/env";
import { loadSettings } from "./load-settings";

export interface Bootstrapped {
  env: Env;
  embeddedPostgres?: EmbeddedPostgres;
  stop(): Promise<void>;
}

/** A stable AUTH_SECRET for self-hosted installs that did not set one, kept with the data (mode 0600). */
async function ensureAuthSecret(dataDir: string): Promise<void> {
  if (process.env.AUTH_SECRET) return;
  const file = path.join(dataDir, "auth-secret");
  let secret: string;
  try {
    secret = (await fs.readFile(file, "utf8")).trim();
  } catch {
    secret = randomBytes(32).toString("base64url");
    await fs.writeFile(file, secret, { mode: 0o600 });
  }
  process.env.AUTH_SECRET = secret;
}

/**
 * Everything a process of AutoCodeAI needs before it serves: settings validated, the data directory,
 * the database (embedded when DATABASE_URL is unset) migrated to the committed schema.
 */
export async function bootstrap(options: { migrate?: boolean; log?: (line: string) => void } = {}): Promise<Bootstrapped> {
  const log = options.log ?? ((line: string) => console.log(`[autocode] ${line}`));
  let settings = loadSettings();
  await fs.mkdir(settings.DATA_DIR, { recursive: true });
  await ensureAuthSecret(settings.DATA_DIR);

  let embeddedPostgres: EmbeddedPostgres | undefined;
  if (!settings.DATABASE_URL) {
    embeddedPostgres = await startEmbeddedPostgres({
      dataDir: path.join(settings.DATA_DIR, "pglite"),
      port: settings.EMBEDDED_PG_PORT,
    });
    process.env.DATABASE_URL = embeddedPostgres.url;
    log(`embedded Postgres (PGlite) on ${embeddedPostgres.url.replace(/\/\/.*@/, "//")} with data in ${settings.DATA_DIR}/pglite`);
  }
  resetEnvForTests();
  settings = env();
  if (options.migrate !== false) {
    const started = Date.now();
    await migrateDatabase(settings.DATABASE_URL ?? process.env.DATABASE_URL!);
    log(`database migrated in ${Date.now() - started} ms`);
  }
  return {
    env: settings,
    embeddedPostgres,
    async stop() {
      await embeddedPostgres?.stop();
    },
  };
}
