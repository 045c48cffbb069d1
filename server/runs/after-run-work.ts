/**
 * Work that follows a run's end but need not hold its worker slot (the memory write, the worktree and container
 * removals): tracked here and waited for only by a stopping worker, so the next queued run starts at once.
 *
 * A runner may hold a run's after-run work (holdAfterRunWork) until that run's end is recorded and the runner has
 * claimed its next run: on 2 cores two container removals beside the claim made it 4-8 times slower (issue #17,
 * queue.pickup_ms). Work of a run nobody holds starts at once.
 */
const pending = new Set<Promise<unknown>>();
/** A run's held work and how many holders it waits for (a run resumed after plan review can be held twice). */
const held = new Map<string, { waiting: Array<() => void>; holders: number }>();

export function trackAfterRun(runId: string, work: () => Promise<unknown>): void {
  const hold = held.get(runId);
  const begun = hold ? new Promise<void>((resolve) => hold.waiting.push(resolve)).then(work) : Promise.resolve().then(work);
  const settled = begun.then(() => undefined, () => undefined);
  pending.add(settled);
  void settled.finally(() => pending.delete(settled));
}

/**
 * Holds the run's after-run work until the returned release is called (idempotent; the holder must call it). A second
 * hold of the same run adds a holder rather than replacing the first, so no work waits on a hold nobody releases.
 */
export function holdAfterRunWork(runId: string): () => void {
  let hold = held.get(runId);
  if (!hold) held.set(runId, (hold = { waiting: [], holders: 0 }));
  hold.holders++;
  const mine = hold;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (--mine.holders > 0) return;
    if (held.get(runId) === mine) held.delete(runId);
    for (const start of mine.waiting.splice(0)) start();
  };
}

/** Waits until every tracked piece of after-run work has settled (a worker stopping, a test ending). */
export async function settleAfterRunWork(): Promise<void> {
  while (pending.size) await Promise.all(pending);
}
