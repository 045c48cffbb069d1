"use client";

import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "@/components/providers/trpc-provider";
import { formatCost } from "@/components/runs/run-status-badge";

/**
 * What runs cost this month and overall: a project's (on its page) or the signed-in user's (in settings).
 * `beside="budgets"`: the short form next to a run's budget fields, with the average a run has cost.
 */
export function CostTotals({ projectId, beside }: { projectId?: string; beside?: "budgets" }) {
  const trpc = useTRPC();
  const totals = useQuery(trpc.insights.costTotals.queryOptions({ projectId: projectId ?? null }));
  if (!totals.data) return null;
  const t = totals.data;
  if (beside === "budgets") {
    return (
      <p className="text-xs text-slate-600" data-testid="budget-costs">
        {t.allTimeRuns ? `A run here has cost ${formatCost(t.allTimeUsd / t.allTimeRuns)} on average; ` : "No runs here yet; "}
        {formatCost(t.monthUsd)} this month.
      </p>
    );
  }
  return (
    <p className="text-sm text-slate-700" data-testid="cost-totals">
      {projectId ? "This project's runs" : "Your runs"} cost <strong>{formatCost(t.monthUsd)}</strong> this month ({t.monthRuns} runs) and{" "}
      <strong>{formatCost(t.allTimeUsd)}</strong> in all ({t.allTimeRuns} runs).
    </p>
  );
}
