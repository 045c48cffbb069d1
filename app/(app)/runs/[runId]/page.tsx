import type { Metadata } from "next";
import { OwnerRunPage } from "@/components/runs/owner-run-page";
import { getQueryClient, HydrateClient, trpc } from "@/server/api/rsc";

export const metadata: Metadata = { title: "Run" };

export default async function RunPage({ params }: { params: Promise<{ runId: string }> }) {
  const { runId } = await params;
  await getQueryClient().prefetchQuery(trpc.run.byId.queryOptions({ runId }));
  return (
    <HydrateClient>
      <OwnerRunPage runId={runId} />
    </HydrateClient>
  );
}
