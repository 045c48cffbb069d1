import type { Metadata } from "next";
import { ProjectInsights } from "@/components/insights/project-insights";

export const metadata: Metadata = { title: "Insights" };

export default async function ProjectInsightsPage({ params }: { params: Promise<{ projectId: string }> }) {
  const { projectId } = await params;
  return <ProjectInsights projectId={projectId} />;
}
