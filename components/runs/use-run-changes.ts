"use client";

import { useQueryClient, type InfiniteData } from "@tanstack/react-query";
import { useSubscription } from "@trpc/tanstack-react-query";
import { useTRPC } from "@/components/providers/trpc-provider";
import type { TRunSummaryDto } from "@/server/runs/run-dto";

type Page = { runs: TRunSummaryDto[]; nextCursor: string | null };
type ListInput = { projectId?: string; status?: string; search?: string };

/** Whether a new run belongs at the top of a history list with these filters. */
function matches(row: TRunSummaryDto, input: ListInput): boolean {
  if (input.projectId && row.projectId !== input.projectId) return false;
  if (input.status && row.status !== input.status) return false;
  return !input.search || row.prompt.toLowerCase().includes(input.search.toLowerCase());
}

/**
 * Keeps every loaded history list current from the push channel (run.changes) instead of polling: a changed
 * run's row is replaced where it is shown, a new run goes on top of the lists it matches. No page is refetched.
 */
export function useRunChanges(projectId: string | null) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return useSubscription(
    trpc.run.changes.subscriptionOptions(projectId ? { projectId } : {}, {
      onData: (row) => {
        for (const [key, data] of queryClient.getQueriesData<InfiniteData<Page>>({ queryKey: trpc.run.list.pathKey() })) {
          if (!data?.pages) continue;
          const input = ((key[1] as { input?: ListInput } | undefined)?.input ?? {}) as ListInput;
          const shown = data.pages.some((page) => page.runs.some((run) => run.id === row.id));
          if (shown) {
            const pages = data.pages.map((page) => ({ ...page, runs: page.runs.map((run) => (run.id === row.id ? row : run)) }));
            queryClient.setQueryData(key, { ...data, pages });
          } else if (row.status === "QUEUED" && matches(row, input) && data.pages[0]) {
            const [first, ...rest] = data.pages;
            queryClient.setQueryData(key, { ...data, pages: [{ ...first, runs: [row, ...first.runs] }, ...rest] });
          }
        }
      },
    }),
  );
}
