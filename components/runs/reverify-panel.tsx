"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useTRPC } from "@/components/providers/trpc-provider";
import { Button } from "@/components/ui/button";
import { Alert } from "@/components/ui/states";
import type { TIndependentRun } from "@/server/runs/events/contract";
import type { TRunDto } from "@/server/runs/run-dto";

/** One independent run's record in a line: where it ran, on what, and what came of it. */
export function IndependentRunLine({ record, testId }: { record: TIndependentRun; testId: string }) {
  return (
    <li data-testid={testId} data-passed={record.passed} className={`text-xs ${record.passed ? "text-emerald-800" : "text-red-800"}`}>
      {record.at ? new Date(record.at).toLocaleString() : "?"}: commit {record.commit?.slice(0, 10) ?? "?"}
      {record.tree ? ` (tree ${record.tree.slice(0, 10)})` : ""} in container {record.containerId?.slice(0, 12) ?? "?"}, image {record.image?.slice(0, 19) ?? "?"}
      {record.restoredHarness.length ? `, harness restored: ${record.restoredHarness.join(", ")}` : ""}
      {": "}
      <strong>{record.passed ? "passed" : "failed"}</strong>
      {record.reason ? ` (${record.reason})` : ""}
      {record.tests.length ? ` — ${record.tests.filter((t) => t.status === "passed").length}/${record.tests.length} tests passed` : ""}
      {record.commands[0] ? ` — ${record.commands[0].command} → exit ${record.commands[0].exitCode ?? "none"}` : ""}
    </li>
  );
}

/**
 * "Re-verify": the finished run's branch head re-run in a fresh container by the independent verification, again.
 * Every record is kept (the newest last); the button shows the progress while one runs.
 */
export function ReverifyPanel({ run, active }: { run: TRunDto; active: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const reverify = useMutation(
    trpc.run.reverify.mutationOptions({
      // The records come from the run's log, so a reload shows them too.
      onSettled: () => void queryClient.invalidateQueries({ queryKey: trpc.run.byId.queryKey({ runId: run.id }) }),
    }),
  );
  const canRun = run.canWrite && !active && run.branch !== null;
  if (!canRun && run.reverifications.length === 0) return null;
  const running = reverify.isPending || run.reverifying;
  return (
    <section aria-label="Re-verification" data-testid="reverify-panel" className="space-y-2 rounded-md bg-white p-3 ring-1 ring-slate-200">
      <div className="flex flex-wrap items-center gap-3">
        <h3 className="text-sm font-semibold text-slate-800">Independent re-verification</h3>
        {canRun && (
          <Button variant="secondary" pending={running} disabled={running} onClick={() => reverify.mutate({ runId: run.id })}>
            {running ? "Re-verifying…" : "Re-verify"}
          </Button>
        )}
        {running && (
          <span role="status" className="text-xs text-slate-600">
            Re-running the frozen tests on the branch head in a fresh container…
          </span>
        )}
      </div>
      {run.reverifications.length > 0 ? (
        <ol className="list-decimal space-y-1 pl-5" data-testid="reverifications">
          {run.reverifications.map((record, i) => (
            <IndependentRunLine key={`${record.at}-${i}`} record={record} testId="reverification" />
          ))}
        </ol>
      ) : (
        <p className="text-xs text-slate-500">Re-run the branch&apos;s frozen acceptance tests with the base commit&apos;s harness in a fresh container, as the run&apos;s own check did.</p>
      )}
      {reverify.error && <Alert>{reverify.error.message}</Alert>}
    </section>
  );
}
