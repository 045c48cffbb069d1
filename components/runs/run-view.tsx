"use client";

import { useEffect, useRef, useState, type ReactNode } from "react";
import { DiffViewer, type DiffViewerFile, type HeldPatches } from "@/components/diff/diff-viewer";
import { Markdown } from "@/components/ui/markdown";
import { Alert, ErrorState, LoadingState } from "@/components/ui/states";
import type { TRunDto } from "@/server/runs/run-dto";
import { PlanGraph } from "./plan-graph";
import { RecalledContextPanel } from "./recalled-context";
import { RunTimelineView } from "./run-timeline";
import type { RunEventState } from "@/server/runs/events/fold-run-view";
import { displayStatus, isActiveStatus, reasonSentence } from "@/server/runs/events/run-status";
import { BaselineGroups, CommandList, LiveOutput, TestTable, VerdictPanel } from "./run-results";
import { formatCost, formatDuration, formatTokens, RunStatusBadge } from "./run-status-badge";
import { RunStatusAnnouncer, runTitle } from "./run-status-announcer";
import { useRunEndNotice } from "./use-run-end-notice";
import type { TokenPane, TokenStore } from "./token-store";
import { TokenPanes } from "./token-panes";

export interface RunViewProps {
  run: TRunDto;
  state: RunEventState;
  tokens: TokenStore;
  panes: TokenPane[];
  stream: { status: "connecting" | "pending" | "idle" | "error"; error: string | null };
  diff: { files: DiffViewerFile[] | null; pending: boolean; error: string | null; retry?: () => void; held?: HeldPatches };
  /** Owner-only controls (stop, re-run, merge, download, sharing); absent on a share link. */
  actions?: ReactNode;
  sharing?: ReactNode;
  /** The conversation's turns above the run, and the follow-up box under it (server/threads). */
  thread?: ReactNode;
  followUp?: ReactNode;
  /** The branch's file tree (owner's page). */
  files?: ReactNode;
  /** The plan review form (owner or editor, while the plan awaits approval). */
  planReview?: ReactNode;
  /** Browser notifications when the status shown changes to a plan to review or an end (the owner's page). */
  notify?: boolean;
}

type DiffQuery = { data: { files: DiffViewerFile[] } | null | undefined; isPending: boolean; isFetching: boolean; fetchStatus: string; error: { message: string } | null; refetch: () => unknown };

/**
 * The stream and diff props both run pages derive from their subscription, its recovery and the diff queries: the
 * diff the page rendered with (patches "open": large files held back) until a held file is opened, then the whole
 * diff, asked for once by `loadWhole`.
 */
export function liveViewProps(
  stream: { status: RunViewProps["stream"]["status"]; error: { message: string } | null },
  recovery: { retrying: boolean; terminal: boolean },
  diffs: { open: DiffQuery; whole: DiffQuery; loadWhole: () => void },
): Pick<RunViewProps, "stream" | "diff"> {
  const { whole } = diffs;
  const diff = whole.data !== undefined ? whole : diffs.open;
  return {
    stream: { status: recovery.retrying ? "connecting" : stream.status, error: recovery.terminal ? (stream.error?.message ?? null) : null },
    diff: {
      files: diff.data === undefined ? null : (diff.data?.files ?? null),
      pending: diff.isPending && diff.fetchStatus !== "idle",
      error: diff.error?.message ?? null,
      retry: () => void diff.refetch(),
      held: { load: diffs.loadWhole, retry: () => void whole.refetch(), pending: whole.isFetching, error: whole.data === undefined ? (whole.error?.message ?? null) : null },
    },
  };
}

function Section({ id, title, children, aside }: { id: string; title: string; children: ReactNode; aside?: ReactNode }) {
  return (
    <section aria-labelledby={`${id}-heading`} className="space-y-3">
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h2 id={`${id}-heading`} className="scroll-mt-16 text-lg font-semibold">
          {title}
        </h2>
        {aside}
      </div>
      {children}
    </section>
  );
}

/** The time, every second while `ticking` (a live run's elapsed time); null until the first tick, so SSR matches. */
function useNow(ticking: boolean): Date | null {
  const [now, setNow] = useState<Date | null>(null);
  useEffect(() => {
    if (!ticking) return;
    setNow(new Date());
    const timer = setInterval(() => setNow(new Date()), 1000);
    return () => clearInterval(timer);
  }, [ticking]);
  return now;
}

const OUTLINE: [id: string, label: string][] = [
  ["result", "Result"],
  ["diff", "Diff"],
  ["plan", "Plan"],
  ["agents", "Agents"],
  ["commands", "Commands"],
  ["tests", "Tests"],
  ["timeline", "Timeline"],
  ["context", "Context"],
];

/** On small screens a long run page gets a sticky outline of its sections, one tap to each. */
function SectionOutline() {
  return (
    <nav aria-label="Sections of this run" className="sticky top-0 z-10 -mx-4 overflow-x-auto border-b border-slate-200 bg-slate-50/95 px-4 py-2 backdrop-blur lg:hidden">
      <ul role="list" className="flex gap-1 whitespace-nowrap text-sm">
        {OUTLINE.map(([id, label]) => (
          <li key={id}>
            <a href={`#${id === "result" ? "verdict" : id}-heading`} className="inline-block rounded-md px-2.5 py-1 font-medium text-slate-700 hover:bg-slate-200">
              {label}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}

/** Everything about one run; the owner's page and a share link render the same view. */
export function RunView({ run, state, tokens, panes, stream, diff, actions, sharing, thread, followUp, files, planReview, notify = false }: RunViewProps) {
  const finished = state.finished !== null || !isActiveStatus(run.status);
  // Which diff files the reader opened or closed, kept across a diff viewer made anew by more commits.
  const openFiles = useRef(new Map<string, boolean>());
  // One mapping for every reader (server/runs/events/run-status.ts): succeeded but needing review is amber, never green.
  const status = state.finished
    ? displayStatus(state.finished.status, state.verification?.outcome ?? (state.finished.status === "succeeded" ? null : undefined))
    : state.phase === "awaiting_approval"
      ? "AWAITING_APPROVAL"
      : state.phase === "queued"
        ? // Approved plans go back to the queue: the log knows before the record is fetched again.
          state.lastSeq > 0 && state.record.status === "queued" ? "QUEUED" : run.displayStatus
        : "RUNNING";
  const tokensIn = Math.max(run.tokensIn, state.usage.tokensIn);
  const tokensOut = Math.max(run.tokensOut, state.usage.tokensOut);
  const cost = Math.max(run.costUsd, state.usage.costUsd);
  const unpriced = Math.max(run.unpricedCalls, state.usage.unpriced ?? 0);
  const startedAt = state.record.startedAt ?? run.startedAt;
  const finishedAt = state.record.finishedAt ?? run.finishedAt;
  const now = useNow(!finished && startedAt !== null);
  const title = runTitle(run.prompt, 120);
  const reason = state.finished?.reason ?? run.statusReason;
  // The status as shown (the live log's), not the record's: the record is fetched again only when the run ends.
  useRunEndNotice({ status, prompt: run.prompt, enabled: notify });
  return (
    <div className="space-y-8" data-testid="run-view" data-last-seq={state.lastSeq} data-repeated={state.repeated} data-missing={state.missing}>
      <RunStatusAnnouncer status={status} prompt={run.prompt} />
      {thread}
      <header className="space-y-3">
        <div className="flex flex-wrap items-center gap-3">
          <RunStatusBadge status={status} />
          {state.cancelRequested && !finished && <span className="text-xs text-amber-700">stopping…</span>}
          <span className="text-xs text-slate-500">
            {run.projectName} · queued {run.queuedAt.toLocaleString()}
            {run.branch && (
              <>
                {" "}
                · branch <code className="font-mono">{run.branch}</code>
              </>
            )}
          </span>
        </div>
        <h1 className="break-words text-xl font-bold tracking-tight" data-testid="run-title">
          {title}
        </h1>
        {/* The whole prompt only when it says more than the title; long ones start folded. */}
        {run.prompt.trim() !== title && (
          <details className="rounded-md bg-white ring-1 ring-slate-200" open={run.prompt.length <= 600 && run.prompt.split("\n").length <= 12}>
            <summary className="cursor-pointer select-none px-3 py-2 text-xs font-medium text-slate-700">Prompt</summary>
            <div className="border-t border-slate-200 px-3 py-3" data-testid="run-prompt">
              <Markdown source={run.prompt} />
            </div>
          </details>
        )}
        {run.contextFiles.length > 0 && (
          <p className="text-xs text-slate-500">
            Context: <span className="font-mono">{run.contextFiles.join(", ")}</span>
          </p>
        )}
        {reason && status !== "SUCCEEDED" && status !== "NEEDS_REVIEW" && <Alert tone={status === "CANCELLED" ? "info" : "error"}>{reasonSentence(reason)}</Alert>}
        {actions}
      </header>

      <dl className="grid grid-cols-2 gap-3 sm:grid-cols-4">
        {[
          ["Duration", formatDuration(startedAt, finishedAt ?? now ?? startedAt)],
          ["Tokens", formatTokens(tokensIn, tokensOut)],
          ["Cost", formatCost(cost, unpriced)],
          ["Model calls", String(state.usage.calls)],
        ].map(([label, value]) => (
          <div key={label} className="rounded-md bg-white px-4 py-3 ring-1 ring-slate-200">
            <dt className="text-xs text-slate-500">{label}</dt>
            <dd className="mt-0.5 text-sm font-semibold" data-testid={`figure-${label!.toLowerCase().replace(" ", "-")}`}>
              {value}
            </dd>
          </div>
        ))}
      </dl>

      {stream.status === "error" && stream.error && <Alert>{stream.error}</Alert>}
      {stream.status === "connecting" && state.lastSeq > 0 && !finished && <Alert tone="info">Reconnecting to the live stream; nothing will be missed.</Alert>}
      {state.environment && (
        <Alert tone={state.environment.state === "failed" ? "error" : "info"}>
          <span data-testid="run-environment" data-state={state.environment.state}>
            {state.environment.text}
          </span>
        </Alert>
      )}
      {state.suiteProgress && (
        <Alert tone="info">
          <span data-testid="suite-progress">
            {state.baseline || finished ? "The repository's suite ran" : "Running the repository's suite"}: {state.suiteProgress.passed} passed, {state.suiteProgress.failed} failed
            {state.suiteProgress.skipped > 0 ? `, ${state.suiteProgress.skipped} skipped` : ""}
            {state.suiteProgress.latest.length > 0 && !state.baseline && !finished ? ` (last: ${state.suiteProgress.latest.at(-1)!.name} ${state.suiteProgress.latest.at(-1)!.status})` : ""}
          </span>
        </Alert>
      )}
      {state.notes.map((note) => (
        <Alert key={note.seq} tone={note.tone === "error" ? "error" : "info"}>
          {note.text}
        </Alert>
      ))}

      <SectionOutline />

      <Section id="context" title="What the planner was told">
        <RecalledContextPanel recalled={state.recalled} />
      </Section>

      {state.phase === "awaiting_approval" && planReview}
      <Section id="plan" title="Plan">
        <PlanGraph state={state} />
      </Section>

      <Section id="timeline" title="Timeline" aside={!finished && <span className="text-xs text-slate-500">live</span>}>
        <RunTimelineView timeline={state.timeline} />
      </Section>

      <Section id="agents" title="Agents" aside={!finished && <span className="text-xs text-slate-500">live</span>}>
        <TokenPanes panes={panes} tokens={tokens} live={!finished} />
      </Section>

      <Section id="commands" title="Commands in the sandbox">
        {state.live && <LiveOutput live={state.live} />}
        <CommandList commands={state.commands} />
      </Section>

      <Section id="tests" title="Tests">
        <div className="space-y-4">
          <BaselineGroups state={state} />
          <TestTable tests={state.tests} />
        </div>
      </Section>

      <Section id="verdict" title="Result">
        <VerdictPanel state={state} />
      </Section>

      <Section id="diff" title="Diff">
        {diff.pending ? (
          <LoadingState label="Loading the diff…" />
        ) : diff.error ? (
          <ErrorState message={`The diff could not be loaded: ${diff.error}`} onRetry={diff.retry} />
        ) : diff.files === null ? (
          <p className="text-sm text-slate-500">The run has no branch yet.</p>
        ) : (
          // Keyed by what the files are, not their patches: held patches filling in keep what is open.
          <DiffViewer key={diff.files.map((f) => `${f.path}:${f.status}:${f.added}:${f.removed}`).join("|")} files={diff.files} held={diff.held} remembered={openFiles.current} />
        )}
        {files}
      </Section>

      {finished && followUp}
      {sharing}
    </div>
  );
}
