import { db } from "@/server/db/client";
import { respondLegacyRunParallel } from "@/server/legacy/legacy-runs";

export const dynamic = "force-dynamic";

/** POST /api/agent/run_parallel: the original's fixed-plan endpoint; the given steps run without the Planner. */
export function POST(req: Request): Promise<Response> {
  return respondLegacyRunParallel(req, { db: db() });
}
