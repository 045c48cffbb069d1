import { requireRun } from "@/server/access/run-access";
import type { Db } from "@/server/db/client";
import { deliverRunWebhooks } from "@/server/notifications/deliver-run-webhooks";
import { isActiveStatus } from "./events/run-status";
import { appendRunEvent, appendRunEventIf } from "./run-events";

/**
 * Stops a run. A queued run ends here and now; a running one gets run.cancel_requested, which the worker
 * holding it hears (in process or through NOTIFY) and turns into an abort of its model calls and containers.
 */
export async function cancelRun(options: { db: Db; userId: string; runId: string }): Promise<{ status: string }> {
  const run = await requireRun({ ...options, need: "write" });
  if (!isActiveStatus(run.status)) return { status: run.status };
  await appendRunEvent(options.db, { runId: run.id, type: "run.cancel_requested", payload: { by: options.userId } });
  // Only a run no worker has claimed is ended here; the conditional append loses any race to a claim.
  const ended = await appendRunEventIf(
    options.db,
    { runId: run.id, type: "run.finished", payload: { status: "cancelled", reason: run.status === "AWAITING_APPROVAL" ? "cancelled by the user while its plan waited for review" : "cancelled by the user before it started" } },
    // A run waiting for plan review holds no worker either (and one approved meanwhile is queued again).
    { status: { in: ["QUEUED", "AWAITING_APPROVAL"] } },
  );
  if (ended) {
    // No worker holds this run, so no worker's clean-up announces its end: the project's webhooks are told here.
    void deliverRunWebhooks({ db: options.db, runId: run.id });
    return { status: "CANCELLED" };
  }
  return { status: "CANCELLING" };
}
