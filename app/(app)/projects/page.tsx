import type { Metadata } from "next";
import { RecentRuns } from "@/components/dashboard/recent-runs";
import { ProjectList } from "@/components/projects/project-list";
import { getQueryClient, HydrateClient, trpc } from "@/server/api/rsc";

export const metadata: Metadata = { title: "Projects" };

/** The dashboard: projects, then recent runs across them, fetched on the server and read with suspense. */
export default async function ProjectsPage() {
  const queryClient = getQueryClient();
  await Promise.all([
    queryClient.fetchQuery(trpc.project.list.queryOptions()),
    queryClient.fetchInfiniteQuery(trpc.run.list.infiniteQueryOptions({ limit: 10 }, { getNextPageParam: (page) => page.nextCursor })),
  ]);
  return (
    <HydrateClient>
      <div className="space-y-10">
        <ProjectList />
        <RecentRuns />
      </div>
    </HydrateClient>
  );
}
