"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { useTRPC } from "@/components/providers/trpc-provider";
import { formatCost } from "@/components/runs/run-status-badge";
import { ErrorState, LoadingState } from "@/components/ui/states";
import { MAX_RANGE_DAYS, OUTCOMES } from "@/server/insights/insights-schemas";
import { BarList, ChartCard, DataTable } from "./chart-card";

const OUTCOME_STYLE: Record<(typeof OUTCOMES)[number], { label: string; colour: string }> = {
  verified: { label: "Verified", colour: "#16a34a" },
  needs_review: { label: "Needs review", colour: "#d97706" },
  failed: { label: "Failed", colour: "#dc2626" },
  cancelled: { label: "Cancelled", colour: "#64748b" },
};
const DAY_MS = 86_400_000;
const isoDay = (date: Date) => date.toISOString().slice(0, 10);
const percent = (rate: number | null) => (rate === null ? "—" : `${Math.round(rate * 100)}%`);
const seconds = (ms: number | null) => (ms === null ? "—" : ms < 60_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`);

type Day = { day: string; verifiedRate: number | null } & Record<(typeof OUTCOMES)[number], number>;

/** Runs per day stacked by outcome, with the verified rate as a line over them (SVG, no library). */
function DaysChart({ days }: { days: Day[] }) {
  const width = 600;
  const height = 160;
  const max = Math.max(1, ...days.map((d) => OUTCOMES.reduce((sum, o) => sum + d[o], 0)));
  const slot = width / days.length;
  const rate = days.flatMap((d, i) => (d.verifiedRate === null ? [] : [`${i * slot + slot / 2},${height - d.verifiedRate * height}`]));
  return (
    <svg role="img" aria-label={`Runs per day by outcome over ${days.length} days; the line is the verified rate. The table toggle lists the numbers.`} viewBox={`0 0 ${width} ${height + 14}`} className="w-full">
      {days.map((d, i) => {
        let y = height;
        return (
          <g key={d.day}>
            {OUTCOMES.map((o) => {
              const h = (d[o] / max) * height;
              y -= h;
              return h > 0 ? <rect key={o} x={i * slot + 1} y={y} width={Math.max(1, slot - 2)} height={h} fill={OUTCOME_STYLE[o].colour} /> : null;
            })}
          </g>
        );
      })}
      {rate.length > 1 && <polyline points={rate.join(" ")} fill="none" stroke="#1e1b4b" strokeWidth={2} />}
      <text x={0} y={height + 12} fontSize={10} fill="#475569">{days[0]?.day}</text>
      <text x={width} y={height + 12} fontSize={10} fill="#475569" textAnchor="end">{days.at(-1)?.day}</text>
    </svg>
  );
}

export function ProjectInsights({ projectId }: { projectId: string }) {
  const trpc = useTRPC();
  const [range, setRange] = useState(() => ({ from: isoDay(new Date(Date.now() - 30 * DAY_MS)), to: isoDay(new Date()) }));
  const [authorId, setAuthorId] = useState<string>("");
  const input = { projectId, from: new Date(`${range.from}T00:00:00Z`), to: new Date(new Date(`${range.to}T00:00:00Z`).getTime() + DAY_MS), authorId: authorId || null };
  // The server's limits, said before asking it (a refused range would otherwise show the previous figures while retrying).
  const badRange = !range.from || !range.to || range.from > range.to
    ? "Choose a start date on or before the end date."
    : input.to.getTime() - input.from.getTime() > MAX_RANGE_DAYS * DAY_MS ? `Choose a range of at most ${MAX_RANGE_DAYS} days.` : null;
  const insights = useQuery({ ...trpc.insights.project.queryOptions(input), enabled: !badRange, placeholderData: (previous) => previous });
  const data = insights.data;
  const empty = !data || data.summary.runs === 0;

  return (
    <div className="space-y-6">
      <div>
        <nav aria-label="Breadcrumb" className="text-sm text-slate-500">
          <Link href="/projects" className="hover:text-slate-700">Projects</Link> /{" "}
          <Link href={`/projects/${projectId}`} className="hover:text-slate-700">Project</Link> / <span className="text-slate-700">Insights</span>
        </nav>
        <h1 className="mt-1 text-2xl font-bold tracking-tight">Insights</h1>
        {data && <p className="text-sm text-slate-600">{data.scope === "everyone" ? "Everyone's runs in this project." : "Your runs in this project (the owner sees everyone's)."}</p>}
      </div>
      <form className="flex flex-wrap items-end gap-4" aria-label="Filters" onSubmit={(event) => event.preventDefault()}>
        <label className="text-sm">
          <span className="block font-medium text-slate-700">From</span>
          <input type="date" value={range.from} onChange={(e) => setRange((r) => ({ ...r, from: e.target.value }))} className="rounded-md px-2 py-1 ring-1 ring-slate-300" data-testid="filter-from" />
        </label>
        <label className="text-sm">
          <span className="block font-medium text-slate-700">To</span>
          <input type="date" value={range.to} onChange={(e) => setRange((r) => ({ ...r, to: e.target.value }))} className="rounded-md px-2 py-1 ring-1 ring-slate-300" data-testid="filter-to" />
        </label>
        {data?.scope === "everyone" && (
          <label className="text-sm">
            <span className="block font-medium text-slate-700">User</span>
            <select value={authorId} onChange={(e) => setAuthorId(e.target.value)} className="rounded-md px-2 py-1 ring-1 ring-slate-300" data-testid="filter-user">
              <option value="">Everyone</option>
              {data.users.map((user) => (
                <option key={user.id} value={user.id}>{user.name}</option>
              ))}
            </select>
          </label>
        )}
      </form>
      {badRange ? (
        <p role="alert" className="text-sm text-red-700" data-testid="filter-error">{badRange}</p>
      ) : insights.isError ? (
        <ErrorState message={insights.error.message} onRetry={() => void insights.refetch()} />
      ) : !data ? (
        <LoadingState label="Loading insights…" />
      ) : (
        <>
          <dl className="grid grid-cols-2 gap-3 sm:grid-cols-5" data-testid="insights-summary">
            {[
              ["Runs", String(data.summary.runs)],
              ["Verified rate", percent(data.summary.verifiedRate)],
              ["Median duration", seconds(data.summary.medianDurationMs)],
              ["Median cost", data.summary.medianCostUsd === null ? "—" : formatCost(data.summary.medianCostUsd)],
              ["Total cost", formatCost(data.summary.totalCostUsd)],
            ].map(([label, value]) => (
              <div key={label} className="rounded-md bg-white px-4 py-3 ring-1 ring-slate-200">
                <dt className="text-xs text-slate-600">{label}</dt>
                <dd className="mt-0.5 text-sm font-semibold" data-testid={`summary-${label!.toLowerCase().replace(" ", "-")}`}>{value}</dd>
              </div>
            ))}
          </dl>
          <ChartCard
            id="days"
            title="Runs per day by outcome, and the verified rate"
            empty={empty}
            chart={
              <div className="space-y-1">
                <DaysChart days={data.days} />
                <ul className="flex flex-wrap gap-3 text-xs text-slate-700" aria-label="Legend">
                  {OUTCOMES.map((o) => (
                    <li key={o} className="flex items-center gap-1"><span aria-hidden="true" className="inline-block h-2.5 w-2.5 rounded-sm" style={{ background: OUTCOME_STYLE[o].colour }} />{OUTCOME_STYLE[o].label}</li>
                  ))}
                  <li>line: verified rate</li>
                </ul>
              </div>
            }
            table={<DataTable caption="Runs per day by outcome" head={["Day", ...OUTCOMES.map((o) => OUTCOME_STYLE[o].label), "Verified rate"]} rows={data.days.map((d) => [d.day, ...OUTCOMES.map((o) => d[o]), percent(d.verifiedRate)])} />}
          />
          <div className="grid gap-4 md:grid-cols-2">
            {(["costByAgent", "costByModel"] as const).map((key) => (
              <ChartCard
                key={key}
                id={key === "costByAgent" ? "agents" : "models"}
                title={key === "costByAgent" ? "Cost by agent" : "Cost by model"}
                empty={data[key].length === 0}
                chart={<BarList label={key === "costByAgent" ? "Cost by agent" : "Cost by model"} items={data[key].map((c) => ({ key: c.key, value: c.costUsd }))} format={formatCost} />}
                table={<DataTable caption={key === "costByAgent" ? "Cost by agent" : "Cost by model"} head={[key === "costByAgent" ? "Agent" : "Model", "Calls", "Tokens", "Cost"]} rows={data[key].map((c) => [c.key, c.calls, c.tokens, formatCost(c.costUsd)])} />}
              />
            ))}
            <ChartCard
              id="failures"
              title="Most common failure reasons"
              empty={data.failureReasons.length === 0}
              chart={<BarList label="Failure reasons" items={data.failureReasons.map((r) => ({ key: r.reason, value: r.runs }))} format={(n) => `${n} runs`} />}
              table={<DataTable caption="Failure reasons" head={["Reason", "Runs"]} rows={data.failureReasons.map((r) => [r.reason, r.runs])} />}
            />
            <ChartCard
              id="steps"
              title="Slowest steps"
              empty={data.slowestSteps.length === 0}
              chart={<BarList label="Slowest steps" items={data.slowestSteps.map((s) => ({ key: `${s.stepId} · ${s.agent} · ${s.description}`, value: s.durationMs }))} format={seconds} />}
              table={<DataTable caption="Slowest steps" head={["Run", "Step", "Agent", "Duration"]} rows={data.slowestSteps.map((s) => [s.runId.slice(-8), `${s.stepId}: ${s.description}`, s.agent, seconds(s.durationMs)])} />}
            />
          </div>
        </>
      )}
    </div>
  );
}
