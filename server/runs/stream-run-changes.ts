import { visibleProjects } from "@/server/access/project-access";
import type { Db } from "@/server/db/client";
import type { RunEventType } from "@/server/runs/events/contract";
import { runBus } from "./run-bus";
import { toRunSummaryDto, type TRunSummaryDto } from "./run-dto";

/** Events that change what the history shows of a run (status, times, tokens and cost). */
const CHANGES = new Set<string>(["run.queued", "run.claimed", "run.started", "run.cancel_requested", "run.finished", "run.merged", "llm.call"] satisfies RunEventType[]);
/** Changes within this window go out as one row per run, so a burst of model calls is one update. */
const COALESCE_MS = 500;

/**
 * The history's push channel: the summary row of every run the user can see (in one project, or all of theirs)
 * whenever it changes, read from the database after the change, so it is what run.list would answer.
 */
export async function* streamRunChanges(options: { db: Db; userId: string; projectId?: string; signal?: AbortSignal }): AsyncGenerator<TRunSummaryDto> {
  const pending = new Set<string>();
  let wake: (() => void) | undefined;
  const unsubscribe = runBus().subscribeAll((runId, _seq, type) => {
    if (!CHANGES.has(type)) return;
    pending.add(runId);
    wake?.();
  });
  const onAbort = () => wake?.();
  options.signal?.addEventListener("abort", onAbort);
  try {
    while (!options.signal?.aborted) {
      if (pending.size === 0) await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
      await new Promise((resolve) => setTimeout(resolve, COALESCE_MS));
      if (options.signal?.aborted) return;
      const ids = [...pending];
      pending.clear();
      const rows = await options.db.run.findMany({
        // The same access rule as run.list: only runs of projects the user may read.
        where: { id: { in: ids }, ...(options.projectId ? { projectId: options.projectId } : {}), project: visibleProjects(options.userId) },
        include: { task: { select: { prompt: true } }, steps: { select: { attempts: true } } },
      });
      for (const row of rows) yield toRunSummaryDto(row);
    }
  } finally {
    unsubscribe();
    options.signal?.removeEventListener("abort", onAbort);
  }
}
