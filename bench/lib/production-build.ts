import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

export const ROOT = path.resolve(import.meta.dirname, "..", "..");

/** Builds the production app (`npm run build`) when there is none; a bench measures the build that is there. */
export function ensureProductionBuild(): void {
  if ([".next/BUILD_ID", "dist/server.mjs"].every((file) => fs.existsSync(path.join(ROOT, file)))) return;
  const build = spawnSync("npm", ["run", "build"], { cwd: ROOT, stdio: "inherit" });
  if (build.status !== 0) throw new Error("the production build failed (npm run build)");
}

/** Stops a detached child's whole process group: SIGTERM, then SIGKILL if it has not exited after `graceMs`. */
export async function stopProcessGroup(pid: number, exited: Promise<void>, graceMs = 30_000): Promise<void> {
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(-pid, name);
      return true;
    } catch {
      return false; // already gone
    }
  };
  if (!signal("SIGTERM")) return;
  const killer = setTimeout(() => signal("SIGKILL"), graceMs);
  await exited;
  clearTimeout(killer);
}

/**
 * The environment of a production server of its own for a bench: its data directory, embedded Postgres and
 * Chroma on the given ports, and a model endpoint that answers nothing (no bench run of these reaches a model).
 */
export function productionServerEnv(options: { port: number; dataDir: string; pgPort: number; chromaPort: number }): Record<string, string> {
  return {
    NODE_ENV: "production",
    PORT: String(options.port),
    DATA_DIR: options.dataDir,
    DATABASE_URL: "",
    EMBEDDED_PG_PORT: String(options.pgPort),
    EMBEDDED_CHROMA_PORT: String(options.chromaPort),
    AUTH_SECRET: "bench-secret-not-for-production",
    LLM_MODE: "litellm",
    LITELLM_URL: "http://127.0.0.1:9/v1",
    NEXT_TELEMETRY_DISABLED: "1",
  };
}
