/**
 * Work that follows a run's end but need not hold its worker slot (the memory write, the worktree removal):
 * started, tracked here, and waited for only by a stopping worker, so the next queued run starts at once.
 */
const pending = new Set<Promise<unknown>>();

export function trackAfterRun(work: Promise<unknown>): void {
  const settled = work.then(() => undefined, () => undefined);
  pending.add(settled);
  void settled.finally(() => pending.delete(settled));
}

/** Waits until every tracked piece of after-run work has settled (a worker stopping, a test ending). */
export async function settleAfterRunWork(): Promise<void> {
  while (pending.size) await Promise.all(pending);
}
