import { legacyPost, legacyPreflight } from "@/server/legacy/legacy-routes";
import { respondLegacyRunParallel } from "@/server/legacy/legacy-runs";

export const dynamic = "force-dynamic";

/** POST /api/agent/run_parallel: the original's fixed-plan endpoint; planner and critic steps are answered beside the run (see README, API). */
export function POST(req: Request): Promise<Response> {
  return legacyPost(req, respondLegacyRunParallel, undefined);
}

export function OPTIONS(req: Request): Response {
  return legacyPreflight(req, undefined);
}
