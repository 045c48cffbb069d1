"use client";

import { useQuery, useQueryClient, useSuspenseQuery } from "@tanstack/react-query";
import { useSubscription } from "@trpc/tanstack-react-query";
import Link from "next/link";
import { useCallback, useState } from "react";
import { useTRPC } from "@/components/providers/trpc-provider";
import { isActiveStatus } from "@/server/runs/events/run-status";
import { DeliveryPanel } from "./delivery-panel";
import { PlanReviewPanel } from "./plan-review-panel";
import { BranchFiles } from "./branch-files";
import { ReverifyPanel } from "./reverify-panel";
import { RunActions } from "./run-actions";
import { liveViewProps, RunView } from "./run-view";
import { ShareLinksPanel } from "./share-links-panel";
import { FollowUpForm, ThreadTurns, useThread } from "./thread-panel";
import { useRunEventLog, useStreamRecovery } from "./use-run-event-log";

export function OwnerRunPage({ runId }: { runId: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  // Prefetched by the page (app/(app)/runs/[runId]/page.tsx), which answers "Run not found" itself.
  const run = useSuspenseQuery(trpc.run.byId.queryOptions({ runId }));
  // The page rendered with large files' patches held back; opening one brings the whole diff.
  const [wholeDiff, setWholeDiff] = useState(false);
  const openDiff = useQuery(trpc.run.diff.queryOptions({ runId, patches: "open" }));
  const diff = useQuery({ ...trpc.run.diff.queryOptions({ runId }), enabled: wholeDiff });
  const loadWholeDiff = useCallback(() => setWholeDiff(true), []);
  const thread = useThread(runId);
  // The log's start, prefetched by the page when it could be (else the subscription brings all of it).
  const log = useRunEventLog({
    initial: queryClient.getQueryData(trpc.run.log.queryKey({ runId })),
    recordActive: isActiveStatus(run.data.status),
    onFinished: () => {
      // The branch is final now: reload the record (status, cost) and the diff.
      void queryClient.invalidateQueries({ queryKey: trpc.run.byId.queryKey({ runId }) });
      void queryClient.invalidateQueries({ queryKey: trpc.run.diff.queryKey({ runId }) });
      void queryClient.invalidateQueries({ queryKey: trpc.run.thread.queryKey({ runId }) });
    },
  });
  // The link resumes after the last tracked id on a reconnect, so a dropped connection loses nothing.
  const stream = useSubscription(trpc.run.events.subscriptionOptions({ runId, lastEventId: log.resumeFrom }, { onData: log.onData }));
  const recovery = useStreamRecovery(stream, log, log.state.finished !== null);

  const active = !log.state.finished && isActiveStatus(run.data.status);
  return (
    <div className="space-y-4">
      <nav aria-label="Breadcrumb" className="text-sm text-slate-500">
        <Link href="/projects" className="hover:text-slate-700">
          Projects
        </Link>{" "}
        /{" "}
        <Link href={`/projects/${run.data.projectId}`} className="hover:text-slate-700">
          {run.data.projectName}
        </Link>{" "}
        / <span className="text-slate-700">Run</span>
      </nav>
      <RunView
        run={run.data}
        state={log.state}
        tokens={log.tokens}
        panes={log.panes}
        {...liveViewProps(stream, recovery, { open: openDiff, whole: diff, loadWhole: loadWholeDiff })}
        actions={
          <>
            <RunActions run={run.data} active={active} />
            <DeliveryPanel run={run.data} active={active} />
            <ReverifyPanel run={run.data} active={active} />
          </>
        }
        sharing={run.data.canWrite ? <ShareLinksPanel runId={runId} /> : undefined}
        thread={<ThreadTurns thread={thread.data} runId={runId} linkTurns />}
        followUp={run.data.canWrite ? <FollowUpForm runId={runId} thread={thread.data} /> : undefined}
        files={<BranchFiles source={{ runId }} />}
        notify
        planReview={run.data.canWrite ? <PlanReviewPanel runId={runId} steps={log.state.planSteps} deadline={log.state.record.approvalDeadline} /> : undefined}
      />
    </div>
  );
}
