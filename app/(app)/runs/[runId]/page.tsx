import type { Metadata } from "next";
import { OwnerRunPage } from "@/components/runs/owner-run-page";
import { getQueryClient, HydrateClient, orNotFound, trpc } from "@/server/api/rsc";

export const metadata: Metadata = { title: "Run" };

/** The run is fetched here (a missing one is this segment's not-found page); the client reads it with suspense. */
export default async function RunPage({ params }: { params: Promise<{ runId: string }> }) {
  const { runId } = await params;
  const queryClient = getQueryClient();
  const run = await orNotFound(queryClient.fetchQuery(trpc.run.byId.queryOptions({ runId })));
  await Promise.all([
    queryClient.fetchQuery(trpc.run.thread.queryOptions({ runId })),
    // Panels with their own inline states: hydrated when the prefetch succeeds, fetched in the browser otherwise.
    queryClient.prefetchQuery(trpc.run.diff.queryOptions({ runId, patches: "open" })),
    // The log's start: the verdict, commands and tests are in the HTML; the subscription follows on (issue #17).
    queryClient.prefetchQuery(trpc.run.log.queryOptions({ runId })),
    queryClient.prefetchQuery(trpc.project.byId.queryOptions({ projectId: run.projectId })),
  ]);
  return (
    <HydrateClient>
      <OwnerRunPage runId={runId} />
    </HydrateClient>
  );
}
