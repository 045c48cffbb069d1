import type { Metadata } from "next";
import { ProjectView } from "@/components/projects/project-view";
import { getQueryClient, HydrateClient, orNotFound, trpc } from "@/server/api/rsc";

export const metadata: Metadata = { title: "Project" };

/** The project is fetched here (a missing one is this segment's not-found page); the client reads it with suspense. */
export default async function ProjectPage({ params }: { params: Promise<{ projectId: string }> }) {
  const { projectId } = await params;
  const queryClient = getQueryClient();
  await Promise.all([
    orNotFound(queryClient.fetchQuery(trpc.project.byId.queryOptions({ projectId }))),
    queryClient.fetchQuery(trpc.viewer.me.queryOptions()),
    queryClient.fetchInfiniteQuery(trpc.run.list.infiniteQueryOptions({ projectId, limit: 25 }, { getNextPageParam: (page) => page.nextCursor })),
  ]);
  return (
    <HydrateClient>
      <ProjectView projectId={projectId} />
    </HydrateClient>
  );
}
