import { db } from "@/server/db/client";
import packageJson from "@/package.json" with { type: "json" };

export const VERSION = packageJson.version;

/** GET /health, as the original answers it, with the database checked. */
export async function checkHealth(): Promise<{ status: "ok" | "degraded"; version: string; database: "ok" | "unreachable" }> {
  try {
    await db().$queryRaw`SELECT 1`;
    return { status: "ok", version: VERSION, database: "ok" };
  } catch {
    return { status: "degraded", version: VERSION, database: "unreachable" };
  }
}
