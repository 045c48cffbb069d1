import { legacyPost, legacyPreflight } from "@/server/legacy/legacy-routes";
import { respondLegacyRun } from "@/server/legacy/legacy-runs";

export const dynamic = "force-dynamic";

type Params = { params: Promise<{ token: string }> };

/** POST /c/<token>/api/agent/run: as /api/agent/run, for the client URL's project. */
export function POST(req: Request, { params }: Params): Promise<Response> {
  return legacyPost(req, respondLegacyRun, params);
}

export function OPTIONS(req: Request, { params }: Params): Response {
  return legacyPreflight(req, params);
}
