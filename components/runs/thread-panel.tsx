"use client";

import { useMutation, useQuery, useSuspenseQuery } from "@tanstack/react-query";
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

/** One turn's agents' output, asked for when its box is first opened (a share page asks through its token). */
function TurnOutput({ runId, shareToken, number }: { runId: string; shareToken?: string; number: number }) {
  const trpc = useTRPC();
  const output = useQuery(shareToken ? trpc.share.turnOutput.queryOptions({ token: shareToken, runId }) : trpc.run.turnOutput.queryOptions({ runId }));
  if (output.error) return <Alert>{output.error.message}</Alert>;
  if (!output.data) return <p className="text-xs text-slate-500">Loading the agents&apos; output…</p>;
  if (output.data.panes.length === 0) return <p className="text-xs text-slate-500">No model output was recorded.</p>;
  return (
    <div className="grid gap-2 lg:grid-cols-2">
      {output.data.panes.map((pane) => (
        <figure key={`${pane.stepId ?? "run"}:${pane.role}`} className="terminal overflow-hidden rounded-md bg-slate-900 ring-1 ring-slate-800" data-testid="turn-output-pane">
          <figcaption className="flex items-center justify-between px-3 py-1 text-xs text-slate-300">
            <span className="font-medium capitalize">{pane.role}</span>
            <span className="font-mono text-slate-400">
              {pane.stepId ?? "run"}
              {pane.truncated && " · the end only"}
            </span>
          </figcaption>
          <pre tabIndex={0} aria-label={`Turn ${number}, ${pane.role} output${pane.stepId ? ` of step ${pane.stepId}` : ""}`} className="max-h-56 overflow-auto whitespace-pre-wrap break-words px-3 pb-3 font-mono text-xs leading-relaxed text-slate-100">
            {pane.text}
          </pre>
        </figure>
      ))}
    </div>
  );
}

/** Folded until opened; the output is fetched only then. */
function TurnOutputBox({ runId, shareToken, number }: { runId: string; shareToken?: string; number: number }) {
  const [opened, setOpened] = useState(false);
  return (
    <details aria-label={`Agents' output of turn ${number}`} onToggle={(e) => setOpened((was) => was || e.currentTarget.open)}>
      <summary className="cursor-pointer text-xs font-semibold text-slate-600">Agents&apos; output</summary>
      <div className="mt-1">{opened && <TurnOutput runId={runId} shareToken={shareToken} number={number} />}</div>
    </details>
  );
}

/** An earlier turn's plan, agents' output (folded), checks (commands, tests) and its own changes, inline (the turn on the page shows its own below). */
function TurnDetails({ turn, number, shareToken }: { turn: TThreadTurn; number: number; shareToken?: string }) {
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
      <TurnOutputBox runId={turn.runId} shareToken={shareToken} number={number} />
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

/** Every turn of the thread, oldest first, each folded with its plan, agents' output, checks and diff; a thread of one turn shows nothing. */
export function ThreadTurns({ thread, runId, linkTurns, shareToken }: { thread: TThreadDto | undefined; runId: string; linkTurns: boolean; shareToken?: string }) {
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
              {i !== index && <TurnDetails turn={turn} number={i + 1} shareToken={shareToken} />}
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
