/**
 * Work that follows a run's end but need not hold its worker slot (the memory write, the worktree and container
 * removals): tracked here and waited for only by a stopping worker, so the next queued run starts at once.
 *
 * A runner may hold a run's after-run work (holdAfterRunWork) until that run's end is recorded and the runner has
 * claimed its next run: on 2 cores two container removals beside the claim made it 4-8 times slower (issue #17,
 * queue.pickup_ms). Work of a run nobody holds starts at once.
 */
const pending = new Set<Promise<unknown>>();
const held = new Map<string, Array<() => void>>();

export function trackAfterRun(runId: string, work: () => Promise<unknown>): void {
  const waiting = held.get(runId);
  const begun = waiting ? new Promise<void>((resolve) => waiting.push(resolve)).then(work) : Promise.resolve().then(work);
  const settled = begun.then(() => undefined, () => undefined);
  pending.add(settled);
  void settled.finally(() => pending.delete(settled));
}

/** Holds the run's after-run work until the returned release (or releaseAfterRunWork) is called; the holder must call one. */
export function holdAfterRunWork(runId: string): () => void {
  const waiting: Array<() => void> = [];
  held.set(runId, waiting);
  return () => {
    if (held.get(runId) === waiting) releaseAfterRunWork(runId);
  };
}

/** Starts the run's held after-run work, and what is tracked for it from now on (a no-op when nothing holds it). */
export function releaseAfterRunWork(runId: string): void {
  const waiting = held.get(runId);
  if (!waiting) return;
  held.delete(runId);
  for (const start of waiting) start();
}

/** Waits until every tracked piece of after-run work has settled (a worker stopping, a test ending). */
export async function settleAfterRunWork(): Promise<void> {
  while (pending.size) await Promise.all(pending);
}
