import type { Metadata } from "next";
import { ProjectView } from "@/components/projects/project-view";
import { getQueryClient, HydrateClient, trpc } from "@/server/api/rsc";

export const metadata: Metadata = { title: "Project" };

export default async function ProjectPage({ params }: { params: Promise<{ projectId: string }> }) {
  const { projectId } = await params;
  const queryClient = getQueryClient();
  await Promise.all([
    queryClient.prefetchQuery(trpc.project.byId.queryOptions({ projectId })),
    queryClient.prefetchQuery(trpc.viewer.me.queryOptions()),
    queryClient.prefetchInfiniteQuery(trpc.run.list.infiniteQueryOptions({ projectId, limit: 25 }, { getNextPageParam: (page) => page.nextCursor })),
  ]);
  return (
    <HydrateClient>
      <ProjectView projectId={projectId} />
    </HydrateClient>
  );
}
