"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { useTRPC } from "@/components/providers/trpc-provider";
import { Button } from "@/components/ui/button";
import { TextAreaField } from "@/components/ui/field";
import { Alert } from "@/components/ui/states";
import type { TRunDto } from "@/server/runs/run-dto";
import { ConfirmUnverified } from "./confirm-unverified";
import { NotifyButton } from "./use-run-end-notice";

/** Stop, re-run, merge and download: only for people who may change the run. */
export function RunActions({ run, active }: { run: TRunDto; active: boolean }) {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const project = useQuery(trpc.project.byId.queryOptions({ projectId: run.projectId }));
  const cancel = useMutation(trpc.run.cancel.mutationOptions());
  const rerun = useMutation(trpc.run.rerun.mutationOptions({ onSuccess: ({ runId }) => router.push(`/runs/${runId}`) }));
  const [confirming, setConfirming] = useState(false);
  const merge = useMutation(
    trpc.run.merge.mutationOptions({
      onSuccess: () => {
        setConfirming(false);
        void queryClient.invalidateQueries({ queryKey: trpc.run.diff.queryKey({ runId: run.id }) });
        // The merged state comes from the run's record, so it survives a reload.
        void queryClient.invalidateQueries({ queryKey: trpc.run.byId.queryKey({ runId: run.id }) });
      },
    }),
  );
  const [editing, setEditing] = useState<string | null>(null);
  if (!run.canWrite) return null;
  const branch = project.data?.defaultBranch ?? "main";
  const error = cancel.error ?? rerun.error ?? merge.error;
  return (
    <div className="space-y-3">
      <div className="flex flex-wrap gap-2">
        {active ? (
          <Button variant="danger" pending={cancel.isPending} disabled={cancel.isSuccess} onClick={() => cancel.mutate({ runId: run.id })}>
            {cancel.isSuccess ? "Stopping…" : "Stop run"}
          </Button>
        ) : null}
        {active ? (
          <NotifyButton />
        ) : (
          <>
            <Button variant="secondary" pending={rerun.isPending} onClick={() => rerun.mutate({ runId: run.id })}>
              Re-run
            </Button>
            <Button variant="secondary" onClick={() => setEditing(editing === null ? run.prompt : null)}>
              Edit and re-run
            </Button>
            {run.branch && !run.merged && !merge.isSuccess && (run.notVerified === null ? (
              <Button pending={merge.isPending} onClick={() => merge.mutate({ runId: run.id })}>
                Merge into {branch}
              </Button>
            ) : (
              // Not verified: never the main action; merging needs a confirmation that names what is missing.
              <Button variant="secondary" data-testid="merge-unverified" onClick={() => setConfirming(true)}>
                Merge anyway…
              </Button>
            ))}
          </>
        )}
        {run.branch && (
          <a
            href={`/api/runs/${run.id}/patch`}
            download
            className="inline-flex items-center rounded-md bg-white px-3.5 py-2 text-sm font-medium text-slate-800 shadow-sm ring-1 ring-inset ring-slate-300 hover:bg-slate-50"
          >
            Download .patch
          </a>
        )}
      </div>
      {editing !== null && !active && (
        <form
          className="space-y-2"
          onSubmit={(e) => {
            e.preventDefault();
            rerun.mutate({ runId: run.id, prompt: editing });
          }}
        >
          <TextAreaField id="rerun-prompt" label="Prompt for the new run" rows={4} value={editing} onChange={(e) => setEditing(e.target.value)} />
          <Button type="submit" pending={rerun.isPending} disabled={!editing.trim()}>
            Re-run with this prompt
          </Button>
        </form>
      )}
      {confirming && run.notVerified && !run.merged && (
        <ConfirmUnverified
          label="Confirm merge"
          testId="merge-confirmation"
          notVerified={run.notVerified}
          action={`Merge into ${branch} without verification`}
          pending={merge.isPending}
          onConfirm={() => merge.mutate({ runId: run.id, force: true })}
          onCancel={() => setConfirming(false)}
        >
          Merging puts code into {branch} that no frozen test run vouches for. The run&apos;s log will record that you confirmed it.
        </ConfirmUnverified>
      )}
      {run.merged && !merge.isSuccess && (
        <Alert tone="success">
          Merged into {run.merged.into} (commit {run.merged.commit.slice(0, 10)}){run.merged.forced ? ", confirmed although not verified" : ""}.
        </Alert>
      )}
      {error && <Alert>{error.message}</Alert>}
      {merge.data?.ok && (
        <Alert tone="success">
          Merged into {merge.data.into} ({merge.data.kind === "fast-forward" ? "fast-forward" : merge.data.kind === "up-to-date" ? "already up to date" : "merge commit"}).
        </Alert>
      )}
    </div>
  );
}
