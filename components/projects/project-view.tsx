"use client";

import { useSuspenseQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useTRPC } from "@/components/providers/trpc-provider";
import { RunHistory } from "@/components/runs/run-history";
import { CostTotals } from "@/components/insights/cost-totals";
import { ClientUrlsPanel } from "./client-urls-panel";
import { ProjectSettingsPanel } from "./project-settings-panel";
import { RemotePanel } from "./remote-panel";
import { WebhooksPanel } from "./webhooks-panel";
import { EnvironmentPanel } from "./environment-panel";
import { MembersPanel } from "./members-panel";
import { MemoryPanel } from "./memory-panel";
import { NewTaskForm } from "./new-task-form";

export function ProjectView({ projectId }: { projectId: string }) {
  const trpc = useTRPC();
  // Prefetched by the page (app/(app)/projects/[projectId]/page.tsx), which answers "Project not found" itself.
  const project = useSuspenseQuery(trpc.project.byId.queryOptions({ projectId }));
  const me = useSuspenseQuery(trpc.viewer.me.queryOptions());

  const data = project.data;
  return (
    <div className="space-y-8">
      <div>
        <nav aria-label="Breadcrumb" className="text-sm text-slate-500">
          <Link href="/projects" className="hover:text-slate-700">
            Projects
          </Link>{" "}
          / <span className="text-slate-700">{data.name}</span>
        </nav>
        <h1 className="mt-1 text-2xl font-bold tracking-tight">{data.name}</h1>
        {data.description && <p className="mt-1 text-slate-600">{data.description}</p>}
        <p className="mt-2 text-xs text-slate-500">
          Branch {data.defaultBranch} · {data.source === "EMPTY" ? "started empty" : `imported from ${data.sourceRef}`}
        </p>
        <div className="mt-2 flex flex-wrap items-baseline gap-3">
          <CostTotals projectId={projectId} />
          <Link href={`/projects/${projectId}/insights`} className="text-sm font-medium text-indigo-600 hover:text-indigo-500">
            Insights
          </Link>
        </div>
      </div>
      {data.role !== "viewer" && (
        <section aria-labelledby="new-task-heading" className="space-y-3">
          <h2 id="new-task-heading" className="text-lg font-semibold">
            New task
          </h2>
          <NewTaskForm key={String(data.requirePlanApproval)} projectId={projectId} reviewByDefault={data.requirePlanApproval} />
        </section>
      )}
      <RunHistory projectId={projectId} />
      <EnvironmentPanel projectId={projectId} canWrite={data.role !== "viewer"} />
      <MemoryPanel projectId={projectId} canWrite={data.role !== "viewer"} />
      {data.role !== "viewer" && <ClientUrlsPanel projectId={projectId} canRevokeAll={data.role === "owner"} viewerName={me.data.name ?? me.data.email ?? null} />}
      {data.role !== "viewer" && <ProjectSettingsPanel project={data} />}
      {data.role !== "viewer" && <RemotePanel projectId={projectId} />}
      {data.role !== "viewer" && <WebhooksPanel projectId={projectId} />}
      <MembersPanel projectId={projectId} isOwner={data.role === "owner"} viewerId={me.data.id} />
    </div>
  );
}
