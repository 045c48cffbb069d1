import { db } from "@/server/db/client";
import { respondLegacyRun } from "@/server/legacy/legacy-runs";

export const dynamic = "force-dynamic";

/** POST /api/agent/run: the original AutoCodeAI's synchronous task endpoint (see README, API). */
export function POST(req: Request): Promise<Response> {
  return respondLegacyRun(req, { db: db() });
}
