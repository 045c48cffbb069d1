import type { Metadata } from "next";
import { RecentRuns } from "@/components/dashboard/recent-runs";
import { ProjectList } from "@/components/projects/project-list";

export const metadata: Metadata = { title: "Projects" };

/** The dashboard: projects, then recent runs across them. */
export default function ProjectsPage() {
  return (
    <div className="space-y-10">
      <ProjectList />
      <RecentRuns />
    </div>
  );
}
