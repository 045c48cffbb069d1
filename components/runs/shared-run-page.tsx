"use client";

import { useQuery, useQueryClient, useSuspenseQuery } from "@tanstack/react-query";
import { useSubscription } from "@trpc/tanstack-react-query";
import { useCallback, useState } from "react";
import { EmptyState } from "@/components/ui/states";
import { useTRPC } from "@/components/providers/trpc-provider";
import { isActiveStatus } from "@/server/runs/events/run-status";
import { BranchFiles } from "./branch-files";
import { ReverifyPanel } from "./reverify-panel";
import { liveViewProps, RunView } from "./run-view";
import { ThreadTurns } from "./thread-panel";
import { useRunEventLog, useStreamRecovery } from "./use-run-event-log";

/** Also the share route's 404 page (app/share/[token]/not-found.tsx). */
export function Gone() {
  return (
    <EmptyState title="This share link is not available">
      It does not exist or was revoked. Ask whoever shared it for a new link.
    </EmptyState>
  );
}

/** A run seen through a share link: the same view, read-only, no sign-in. */
export function SharedRunPage({ token }: { token: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  // Prefetched by the page (app/share/[token]/page.tsx), which answers an unknown or revoked link with a 404.
  const run = useSuspenseQuery(trpc.share.run.queryOptions({ token }));
  const thread = useSuspenseQuery(trpc.share.thread.queryOptions({ token }));
  // The page rendered with large files' patches held back; opening one brings the whole diff.
  const [wholeDiff, setWholeDiff] = useState(false);
  const openDiff = useQuery(trpc.share.diff.queryOptions({ token, patches: "open" }));
  const diff = useQuery({ ...trpc.share.diff.queryOptions({ token }), enabled: wholeDiff });
  const loadWholeDiff = useCallback(() => setWholeDiff(true), []);
  const log = useRunEventLog({
    initial: queryClient.getQueryData(trpc.share.log.queryKey({ token })),
    recordActive: isActiveStatus(run.data.status),
    onFinished: () => {
      void queryClient.invalidateQueries({ queryKey: trpc.share.run.queryKey({ token }) });
      void queryClient.invalidateQueries({ queryKey: trpc.share.diff.queryKey({ token }) });
    },
  });
  const stream = useSubscription(trpc.share.events.subscriptionOptions({ token, lastEventId: log.resumeFrom }, { onData: log.onData }));
  const recovery = useStreamRecovery(stream, log, log.state.finished !== null);

  // Revocation ends the live stream with NOT_FOUND: show that instead of the run.
  if (stream.error?.data?.code === "NOT_FOUND") return <Gone />;
  return (
    <RunView
      run={run.data}
      state={log.state}
      tokens={log.tokens}
      panes={log.panes}
      {...liveViewProps(stream, recovery, { open: openDiff, whole: diff, loadWhole: loadWholeDiff })}
      thread={<ThreadTurns thread={thread.data} runId={run.data.id} linkTurns={false} shareToken={token} />}
      files={<BranchFiles source={{ token }} />}
      actions={
        <>
          {run.data.branch ? (
            <a
              href={`/share/${token}/patch`}
              download
              className="inline-flex items-center rounded-md bg-white px-3.5 py-2 text-sm font-medium text-slate-800 shadow-sm ring-1 ring-inset ring-slate-300 hover:bg-slate-50"
            >
              Download .patch
            </a>
          ) : null}
          {/* Read-only here: the records, never the button (canWrite is false on a share link). */}
          <ReverifyPanel run={run.data} active={false} />
        </>
      }
    />
  );
}
