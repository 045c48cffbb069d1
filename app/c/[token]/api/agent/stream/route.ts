import { legacyPost, legacyPreflight } from "@/server/legacy/legacy-routes";
import { respondLegacyStream } from "@/server/legacy/legacy-stream";

export const dynamic = "force-dynamic";

type Params = { params: Promise<{ token: string }> };

/** POST /c/<token>/api/agent/stream: as /api/agent/stream, for the client URL's project. */
export function POST(req: Request, { params }: Params): Promise<Response> {
  return legacyPost(req, respondLegacyStream, params);
}

export function OPTIONS(req: Request, { params }: Params): Response {
  return legacyPreflight(req, params);
}
