import { defineConfig } from "prisma/config";
import { MigrationPg } from "./server/db/migration-adapter";
import { poolConfigFromUrl } from "./server/db/pg-config";

// prisma.config.ts turns off Prisma's own .env loading; without DATABASE_URL the CLI would silently fall
// back to the Rust engines and try to download them (STACK.md, trap 4).
try {
  process.loadEnvFile(".env");
} catch {
  // no .env: settings come from the environment
}

// `prisma generate` never connects, but the schema's env("DATABASE_URL") must resolve for it to stay on the
// wasm engines; a placeholder serves, and adapter() refuses it so no command can connect to it by mistake.
const PLACEHOLDER_URL = "postgresql://unset@127.0.0.1:1/unset";
if (!process.env.DATABASE_URL) process.env.DATABASE_URL = PLACEHOLDER_URL;

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  async adapter() {
    const url = process.env.DATABASE_URL;
    if (!url || url === PLACEHOLDER_URL) {
      throw new Error("DATABASE_URL is not set. `npm run db:migrate` starts the embedded database for you.");
    }
    // A short idle timeout so the CLI exits promptly once it is done (STACK.md, trap 3).
    return new MigrationPg(poolConfigFromUrl(url, { idleTimeoutMillis: 500 }));
  },
});
