import { db } from "@/server/db/client";
import { toPublicError } from "@/server/errors";
import { getSharedRunPatch } from "@/server/share/get-shared-run";

export const dynamic = "force-dynamic";

/** The shared run's patch for anyone holding the link, signed in or not. */
export async function GET(_request: Request, { params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  try {
    const { runId, patch } = await getSharedRunPatch({ db: db(), token });
    return new Response(patch, {
      headers: {
        "content-type": "text/x-patch; charset=utf-8",
        "content-disposition": `attachment; filename="run-${runId}.patch"`,
        "cache-control": "private, no-store",
        // The token is in this URL: a page the patch is opened from must not learn it.
        "referrer-policy": "no-referrer",
      },
    });
  } catch (error) {
    const { message, status } = toPublicError(error, "shared patch");
    return Response.json({ error: message }, { status });
  }
}
