"use client";

import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "@/components/providers/trpc-provider";
import { formatCost } from "@/components/runs/run-status-badge";

/** What runs cost this month and overall: a project's (on its page) or the signed-in user's (in settings). */
export function CostTotals({ projectId }: { projectId?: string }) {
  const trpc = useTRPC();
  const totals = useQuery(trpc.insights.costTotals.queryOptions({ projectId: projectId ?? null }));
  if (!totals.data) return null;
  const t = totals.data;
  return (
    <p className="text-sm text-slate-700" data-testid="cost-totals">
      {projectId ? "This project's runs" : "Your runs"} cost <strong>{formatCost(t.monthUsd)}</strong> this month ({t.monthRuns} runs) and{" "}
      <strong>{formatCost(t.allTimeUsd)}</strong> in all ({t.allTimeRuns} runs).
    </p>
  );
}
