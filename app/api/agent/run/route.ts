import { legacyPost, legacyPreflight } from "@/server/legacy/legacy-routes";
import { respondLegacyRun } from "@/server/legacy/legacy-runs";

export const dynamic = "force-dynamic";

/** POST /api/agent/run: the original AutoCodeAI's synchronous task endpoint (see README, API). */
export function POST(req: Request): Promise<Response> {
  return legacyPost(req, respondLegacyRun, undefined);
}

export function OPTIONS(req: Request): Response {
  return legacyPreflight(req, undefined);
}
