"use client";

import { useMutation, useSuspenseQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { DiffViewer } from "@/components/diff/diff-viewer";
import { useTRPC } from "@/components/providers/trpc-provider";
import { Button } from "@/components/ui/button";
import { TextAreaField } from "@/components/ui/field";
import { Alert } from "@/components/ui/states";
import type { TThreadDto } from "@/server/threads/list-thread";
import { RunStatusBadge } from "./run-status-badge";

type TThreadTurn = TThreadDto["turns"][number];

/** An earlier turn's plan, checks (commands, tests) and its own changes, inline (the turn on the page shows its own below). */
function TurnDetails({ turn, number }: { turn: TThreadTurn; number: number }) {
  return (
    <div className="mt-2 space-y-2">
      {turn.plan.length > 0 && (
        <section aria-label={`Plan of turn ${number}`}>
          <h3 className="text-xs font-semibold text-slate-600">Plan</h3>
          <ol className="list-decimal space-y-0.5 pl-5 text-sm text-slate-700">
            {turn.plan.map((step) => (
              <li key={step.id}>
                {step.description}
                {step.file && <code className="ml-1 text-xs text-slate-500">{step.file}</code>}
                <span className="ml-1 text-xs text-slate-500">({step.agent}, {step.status.toLowerCase()})</span>
              </li>
            ))}
          </ol>
        </section>
      )}
      {turn.verification && (
        <section aria-label={`Checks of turn ${number}`}>
          <h3 className="text-xs font-semibold text-slate-600">Checks</h3>
          <p className="text-sm text-slate-700">
            Outcome <code className="text-xs">{turn.verification.outcome}</code> · Tests: {turn.verification.tests.passed} of {turn.verification.tests.total} passed
          </p>
          <ul className="space-y-0.5 text-xs text-slate-600">
            {turn.verification.commands.map((c, k) => (
              <li key={k}>
                <code>{c.command}</code> · exit code {c.exitCode ?? "none"} · {c.passed ? "passed" : "failed"}
              </li>
            ))}
          </ul>
        </section>
      )}
      {turn.diff && (
        <section aria-label={`Changes of turn ${number}`}>
          <h3 className="text-xs font-semibold text-slate-600">Changes</h3>
          <DiffViewer files={turn.diff.files} />
        </section>
      )}
    </div>
  );
}

/** Every turn of the thread, oldest first, each folded with its plan and diff; a thread of one turn shows nothing. */
export function ThreadTurns({ thread, runId, linkTurns }: { thread: TThreadDto | undefined; runId: string; linkTurns: boolean }) {
  if (!thread || thread.turns.length < 2) return null;
  const index = thread.turns.findIndex((t) => t.runId === runId);
  return (
    <section aria-label="Conversation" className="space-y-2">
      <h2 className="text-sm font-semibold text-slate-700">Conversation ({thread.turns.length} turns)</h2>
      <ol className="space-y-1">
        {thread.turns.map((turn, i) => (
          <li key={turn.runId} data-testid="thread-turn">
            <details open={i === index} className="rounded-md border border-slate-200 bg-white px-3 py-2">
              <summary className="flex cursor-pointer items-center gap-2 text-sm">
                <span className="font-medium text-slate-800">Turn {i + 1}</span>
                <RunStatusBadge status={turn.status} />
                {turn.verdict && <span className="text-xs text-slate-500">verdict {turn.verdict}</span>}
                {i === index && <span className="text-xs text-indigo-600">shown below</span>}
              </summary>
              <p className="mt-2 whitespace-pre-wrap text-sm text-slate-700">{turn.prompt}</p>
              {turn.statusReason && <p className="mt-1 text-xs text-slate-500">{turn.statusReason}</p>}
              {i !== index && <TurnDetails turn={turn} number={i + 1} />}
              {linkTurns && i !== index && (
                <Link className="mt-1 inline-block text-xs font-medium text-indigo-600" href={`/runs/${turn.runId}`}>
                  Open turn {i + 1}
                </Link>
              )}
            </details>
          </li>
        ))}
      </ol>
    </section>
  );
}

/** The follow-up box under a finished run that is its thread's latest turn. */
export function FollowUpForm({ runId, thread }: { runId: string; thread: TThreadDto | undefined }) {
  const trpc = useTRPC();
  const router = useRouter();
  const [prompt, setPrompt] = useState("");
  const followUp = useMutation(trpc.task.followUp.mutationOptions({ onSuccess: ({ runId: next }) => router.push(`/runs/${next}`) }));
  const latest = thread?.turns.at(-1);
  if (latest && latest.runId !== runId) {
    return (
      <Alert tone="info">
        This conversation continues in a later turn. <Link className="font-medium underline" href={`/runs/${latest.runId}`}>Go to the latest turn</Link>
      </Alert>
    );
  }
  return (
    <form
      className="space-y-2"
      onSubmit={(e) => {
        e.preventDefault();
        followUp.mutate({ runId, prompt });
      }}
    >
      <TextAreaField id="follow-up" label="Follow up on this run" rows={3} placeholder="Now also handle empty input…" value={prompt} onChange={(e) => setPrompt(e.target.value)} />
      <p className="text-xs text-slate-500">A new turn continues on this run's branch, and its planner sees the conversation so far.</p>
      <Button type="submit" pending={followUp.isPending} disabled={!prompt.trim()}>
        Send follow-up
      </Button>
      {followUp.error && <Alert>{followUp.error.message}</Alert>}
    </form>
  );
}

export function useThread(runId: string) {
  const trpc = useTRPC();
  return useSuspenseQuery(trpc.run.thread.queryOptions({ runId }));
}
