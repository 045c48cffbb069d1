import { legacyPost, legacyPreflight } from "@/server/legacy/legacy-routes";
import { respondLegacyStream } from "@/server/legacy/legacy-stream";

export const dynamic = "force-dynamic";

/** POST /api/agent/stream: the original's Server-Sent Events stream of text chunks (see README, API). */
export function POST(req: Request): Promise<Response> {
  return legacyPost(req, respondLegacyStream, undefined);
}

export function OPTIONS(req: Request): Response {
  return legacyPreflight(req, undefined);
}
