"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTRPC } from "@/components/providers/trpc-provider";
import { Button } from "@/components/ui/button";
import { Alert } from "@/components/ui/states";
import type { TRunDto } from "@/server/runs/run-dto";
import { ConfirmUnverified } from "./confirm-unverified";

const STATE_TONE = { open: "bg-emerald-50 text-emerald-800 ring-emerald-300", merged: "bg-violet-50 text-violet-900 ring-violet-300", closed: "bg-slate-100 text-slate-700 ring-slate-300" } as const;

/**
 * Push the run's branch to the project's remote and open a pull (merge) request; the request's link and its
 * state (open, merged, closed) as the host has it now. Like merging, an unverified run needs a confirmation.
 */
export function DeliveryPanel({ run, active }: { run: TRunDto; active: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const remote = useQuery(trpc.project.remote.queryOptions({ projectId: run.projectId }));
  const pullRequest = useQuery(trpc.run.pullRequest.queryOptions({ runId: run.id }, { enabled: !active }));
  const push = useMutation(trpc.run.push.mutationOptions({ onSuccess: (data) => data.pullRequest && queryClient.setQueryData(trpc.run.pullRequest.queryKey({ runId: run.id }), data.pullRequest) }));
  const refresh = () => void queryClient.invalidateQueries({ queryKey: trpc.run.pullRequest.queryKey({ runId: run.id }) });
  const open = useMutation(trpc.run.openPullRequest.mutationOptions({ onSuccess: (data) => queryClient.setQueryData(trpc.run.pullRequest.queryKey({ runId: run.id }), data) }));
  const [confirming, setConfirming] = useState(false);
  if (active || !run.branch) return null;
  const pr = pullRequest.data;
  const word = remote.data?.provider === "gitlab" ? "merge request" : "pull request";
  const canOpen = run.canWrite && remote.data && (!pr || pr.state !== "open" || pr.earlierTurn);
  const openLabel = pr?.earlierTurn ? `Update ${word} #${pr.number}` : `Open ${word}`;
  return (
    <div className="space-y-2" data-testid="delivery">
      {pr && (
        <p className="flex flex-wrap items-center gap-2 text-sm">
          <span>{pr.provider === "gitlab" ? "Merge" : "Pull"} request</span>
          <a href={pr.url} target="_blank" rel="noreferrer" className="font-medium text-indigo-600 underline" data-testid="pull-request-link">
            #{pr.number}
          </a>
          <span data-testid="pull-request-state" data-state={pr.state} className={`rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset ${STATE_TONE[pr.state]}`}>
            {pr.state}
          </span>
          {pr.earlierTurn && <span className="text-xs text-slate-500">opened on an earlier turn; this turn&apos;s commits are not in it yet</span>}
          <Button variant="ghost" onClick={refresh} pending={pullRequest.isFetching}>
            Refresh state
          </Button>
        </p>
      )}
      {pr?.error && <Alert tone="info">{pr.error}</Alert>}
      {run.canWrite && remote.data && (
        <div className="flex flex-wrap gap-2">
          <Button variant="secondary" pending={push.isPending} onClick={() => push.mutate({ runId: run.id })}>
            Push branch
          </Button>
          {canOpen &&
            (run.notVerified === null ? (
              <Button variant="secondary" pending={open.isPending} onClick={() => open.mutate({ runId: run.id })}>
                {openLabel}
              </Button>
            ) : (
              <Button variant="secondary" onClick={() => setConfirming(true)}>
                {openLabel} anyway…
              </Button>
            ))}
        </div>
      )}
      {confirming && run.notVerified && canOpen && (
        <ConfirmUnverified
          label={`Confirm ${word}`}
          notVerified={run.notVerified}
          action={`${openLabel} without verification`}
          pending={open.isPending}
          onConfirm={() => open.mutate({ runId: run.id, force: true }, { onSuccess: () => setConfirming(false) })}
          onCancel={() => setConfirming(false)}
        >
          The {word}&apos;s description will say so.
        </ConfirmUnverified>
      )}
      {push.data && !open.data && (
        <Alert tone="success">
          Pushed {push.data.branch} ({push.data.commit.slice(0, 10)}) to {push.data.remote}.
          {push.data.pullRequest && ` The earlier turn's ${word} #${push.data.pullRequest.number} now has this turn's commits and record.`}
        </Alert>
      )}
      {(push.error ?? open.error) && <Alert>{(push.error ?? open.error)!.message}</Alert>}
    </div>
  );
}
