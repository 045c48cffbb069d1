"use client";

import { useSuspenseInfiniteQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useDeferredValue, useState } from "react";
import { useTRPC } from "@/components/providers/trpc-provider";
import { Button } from "@/components/ui/button";
import { QueryBoundary } from "@/components/ui/query-boundary";
import { EmptyState } from "@/components/ui/states";
import { RUN_STATUSES } from "@/server/runs/run-schemas";
import { formatCost, formatDuration, formatTokens, RunStatusBadge } from "./run-status-badge";
import { runTitle } from "./run-status-announcer";
import { useRunChanges } from "./use-run-changes";

type Status = (typeof RUN_STATUSES)[number];

/** Runs newest first, a page at a time (keyset cursor), with status and text filters. projectId null: all projects. */
export function RunHistory({ projectId, pageSize = 25, filters = true, title = "Task history" }: { projectId: string | null; pageSize?: number; filters?: boolean; title?: string }) {
  const [status, setStatus] = useState<Status | "">("");
  const [searchInput, setSearchInput] = useState("");
  // Deferred: while the rows of a new filter load (suspending), the old rows stay on screen.
  const search = useDeferredValue(searchInput.trim());
  const deferredStatus = useDeferredValue(status);
  // Status, times and usage arrive on the push channel; no polling, no refetch of loaded pages.
  useRunChanges(projectId);

  return (
    <section aria-labelledby={`history-${projectId ?? "all"}`} className="space-y-3">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <h2 id={`history-${projectId ?? "all"}`} className="text-lg font-semibold">
          {title}
        </h2>
        {filters && (
          <div className="flex flex-wrap gap-2">
            <label className="sr-only" htmlFor={`status-${projectId ?? "all"}`}>
              Status
            </label>
            <select
              id={`status-${projectId ?? "all"}`}
              value={status}
              onChange={(event) => setStatus(event.target.value as Status | "")}
              className="rounded-md border-0 py-1.5 pl-2 pr-8 text-sm ring-1 ring-inset ring-slate-300 focus:ring-2 focus:ring-indigo-600"
            >
              <option value="">All statuses</option>
              {RUN_STATUSES.map((s) => (
                <option key={s} value={s}>
                  {s.charAt(0) + s.slice(1).toLowerCase()}
                </option>
              ))}
            </select>
            <label className="sr-only" htmlFor={`search-${projectId ?? "all"}`}>
              Search tasks
            </label>
            <input
              id={`search-${projectId ?? "all"}`}
              type="search"
              placeholder="Search tasks"
              value={searchInput}
              onChange={(event) => setSearchInput(event.target.value)}
              maxLength={200}
              className="rounded-md border-0 px-3 py-1.5 text-sm ring-1 ring-inset ring-slate-300 placeholder:text-slate-400 focus:ring-2 focus:ring-indigo-600"
            />
          </div>
        )}
      </div>
      <QueryBoundary loading="Loading runs…">
        <RunRows projectId={projectId} pageSize={pageSize} status={deferredStatus} search={search} />
      </QueryBoundary>
    </section>
  );
}

/** One filter's rows, read with suspense: the dashboard's and the project's first page are prefetched on the server. */
function RunRows({ projectId, pageSize, status, search }: { projectId: string | null; pageSize: number; status: Status | ""; search: string }) {
  const trpc = useTRPC();
  const runs = useSuspenseInfiniteQuery(
    trpc.run.list.infiniteQueryOptions(
      { ...(projectId ? { projectId } : {}), limit: pageSize, ...(status ? { status } : {}), ...(search ? { search } : {}) },
      { getNextPageParam: (page) => page.nextCursor },
    ),
  );
  const rows = runs.data.pages.flatMap((page) => page.runs);
  const filtered = Boolean(status || search);
  return rows.length === 0 ? (
    <EmptyState title={filtered ? "No runs match" : "No tasks yet"}>
      {filtered ? "Change the status or the search text." : "Tasks you give the agents, and every run of them, will be listed here."}
    </EmptyState>
  ) : (
    <>
      <ul role="list" aria-label="Runs" className="divide-y divide-slate-200 rounded-lg bg-white shadow-sm ring-1 ring-slate-200">
        {rows.map((run) => (
          <li key={run.id}>
            <Link href={`/runs/${run.id}`} className="flex flex-col gap-1 px-4 py-3 hover:bg-slate-50 sm:flex-row sm:items-center sm:gap-4">
              <RunStatusBadge status={run.displayStatus} />
              <span className="min-w-0 flex-1 truncate text-sm font-medium text-slate-900" title={run.prompt}>
                {runTitle(run.prompt)}
              </span>
              <span className="flex flex-wrap gap-x-3 text-xs text-slate-500">
                <span>{formatDuration(run.startedAt, run.finishedAt)}</span>
                <span>{formatTokens(run.tokensIn, run.tokensOut)}</span>
                <span>{formatCost(run.costUsd, run.unpricedCalls)}</span>
                <time dateTime={run.queuedAt.toISOString()}>{run.queuedAt.toLocaleString()}</time>
              </span>
            </Link>
          </li>
        ))}
      </ul>
      {runs.hasNextPage && (
        <Button variant="secondary" pending={runs.isFetchingNextPage} onClick={() => void runs.fetchNextPage()}>
          Load more
        </Button>
      )}
    </>
  );
}
