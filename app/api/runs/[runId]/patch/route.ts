import { requireRun } from "@/server/access/run-access";
import { currentUserId } from "@/server/auth/auth";
import { db } from "@/server/db/client";
import { toPublicError } from "@/server/errors";
import { getRunPatch } from "@/server/runs/run-git";

export const dynamic = "force-dynamic";

/** The run's commits as an mbox patch (`git am`), for a signed-in user who may read the run. */
export async function GET(_request: Request, { params }: { params: Promise<{ runId: string }> }) {
  const { runId } = await params;
  const userId = await currentUserId();
  if (!userId) return Response.json({ error: "Sign in to download this patch." }, { status: 401 });
  try {
    const run = await requireRun({ db: db(), userId, runId, need: "read" });
    const patch = await getRunPatch(run);
    return new Response(patch, {
      headers: {
        "content-type": "text/x-patch; charset=utf-8",
        "content-disposition": `attachment; filename="run-${run.id}.patch"`,
        "cache-control": "private, no-store",
      },
    });
  } catch (error) {
    const { message, status } = toPublicError(error, `patch ${runId}`);
    return Response.json({ error: message }, { status });
  }
}
