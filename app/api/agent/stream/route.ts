import { db } from "@/server/db/client";
import { respondLegacyStream } from "@/server/legacy/legacy-runs";

export const dynamic = "force-dynamic";

/** POST /api/agent/stream: the original's Server-Sent Events stream of text chunks. */
export function POST(req: Request): Promise<Response> {
  return respondLegacyStream(req, { db: db() });
}
