import type { TVerificationOutcome } from "@/server/runs/events/contract";
import type { CommandView, RunEventState, TestView } from "@/server/runs/events/fold-run-view";
import { OUTCOME_LABELS } from "@/server/runs/events/run-status";
import { useEffect, useRef, useState } from "react";
import { AnsiText } from "./ansi-text";

/** The running command's output as it comes (sandbox.output), in the terminal pane a finished command has. */
export function LiveOutput({ live }: { live: NonNullable<RunEventState["live"]> }) {
  const pane = useRef<HTMLPreElement>(null);
  // Follows the newest line, as a terminal does.
  useEffect(() => {
    if (pane.current) pane.current.scrollTop = pane.current.scrollHeight;
  }, [live.output]);
  return (
    <div className="mb-3 rounded-md bg-white px-3 py-2 text-sm ring-1 ring-slate-200" data-testid="live-output">
      <p className="flex flex-wrap items-center gap-x-3 gap-y-1 text-xs text-slate-600">
        <span className="font-semibold text-indigo-700">Running</span>
        <code className="min-w-0 flex-1 truncate font-mono text-slate-800">{live.command}</code>
        <span>{live.stepId ?? "final run"}</span>
      </p>
      <pre ref={pane} tabIndex={0} aria-label={`Output so far of ${live.command}`} className="terminal mt-2 max-h-64 overflow-auto whitespace-pre-wrap rounded bg-slate-900 p-2 font-mono text-xs text-slate-100">
        <AnsiText text={live.output} />
      </pre>
    </div>
  );
}

export function CommandList({ commands }: { commands: CommandView[] }) {
  if (commands.length === 0) return <p className="text-sm text-slate-500">No commands have run yet.</p>;
  return (
    <ul role="list" aria-label="Commands" className="divide-y divide-slate-200 rounded-md bg-white ring-1 ring-slate-200">
      {commands.map((command) => (
        <CommandItem key={command.seq} command={command} />
      ))}
    </ul>
  );
}

/**
 * One command, folded: its output (up to SANDBOX_OUTPUT_LIMIT_BYTES, often with many colour spans) is rendered
 * only while it is open, so a run with many commands does not carry every output in the page (issue #17).
 */
function CommandItem({ command }: { command: CommandView }) {
  const [open, setOpen] = useState(false);
  return (
    <li id={`event-${command.seq}`} className="px-3 py-2 text-sm">
      <details onToggle={(event) => setOpen(event.currentTarget.open)}>
        <summary className="flex cursor-pointer flex-wrap items-center gap-x-3 gap-y-1">
          <span
            data-testid="exit-code"
            className={`rounded px-1.5 py-0.5 font-mono text-xs font-semibold ${command.passed ? "bg-emerald-100 text-emerald-800" : "bg-red-100 text-red-800"}`}
          >
            exit {command.exitCode ?? "—"}
          </span>
          <code className="min-w-0 flex-1 truncate font-mono text-xs text-slate-800">{command.command}</code>
          <span className="text-xs text-slate-500">
            {command.stepId ?? "final run"} · {(command.durationMs / 1000).toFixed(1)} s
            {command.timedOut && " · timed out"}
            {command.oomKilled && " · out of memory"}
          </span>
        </summary>
        {command.reason && <p className="mt-2 text-xs text-slate-600">{command.reason}</p>}
        {open && (command.stdout || command.stderr) && (
          <pre tabIndex={0} aria-label={`Output of ${command.command}`} className="terminal mt-2 max-h-64 overflow-auto whitespace-pre-wrap rounded bg-slate-900 p-2 font-mono text-xs text-slate-100" data-testid="command-output">
            <AnsiText text={command.stdout} />
            {command.stderr && (
              <span className="text-red-300">
                <AnsiText text={command.stderr} />
              </span>
            )}
          </pre>
        )}
      </details>
    </li>
  );
}

const TEST_TONE: Record<TestView["status"], string> = {
  passed: "text-emerald-700",
  failed: "text-red-700",
  error: "text-red-700",
  skipped: "text-slate-500",
};

export function TestTable({ tests }: { tests: TestView[] }) {
  if (tests.length === 0) return <p className="text-sm text-slate-500">No test results yet.</p>;
  const passed = tests.filter((t) => t.status === "passed").length;
  return (
    <div className="space-y-2">
      <p className="text-sm text-slate-600" data-testid="tests-summary">
        {passed} of {tests.length} tests passed
      </p>
      {/* Focusable so a keyboard can scroll it sideways on a narrow screen (axe: scrollable-region-focusable). */}
      <div tabIndex={0} role="region" aria-label="Test results" className="overflow-x-auto rounded-md ring-1 ring-slate-200">
        <table className="min-w-full divide-y divide-slate-200 bg-white text-sm">
          <thead className="bg-slate-50 text-left text-xs font-medium uppercase tracking-wide text-slate-500">
            <tr>
              <th scope="col" className="px-3 py-2">Test</th>
              <th scope="col" className="px-3 py-2">Result</th>
              <th scope="col" className="px-3 py-2">Written by</th>
              <th scope="col" className="px-3 py-2">Time</th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {tests.map((test) => (
              <tr key={test.key} data-testid="test-row" data-status={test.status}>
                <td className="px-3 py-2">
                  <span className="font-mono text-xs">{test.name}</span>
                  <span className="block text-xs text-slate-500">{test.file ?? test.classname}</span>
                  {test.message && test.status !== "passed" && <span className="block whitespace-pre-wrap text-xs text-red-700">{test.message.slice(0, 600)}</span>}
                </td>
                <td className={`px-3 py-2 font-medium capitalize ${TEST_TONE[test.status]}`}>{test.status}</td>
                <td className="px-3 py-2 text-xs text-slate-600">{test.origin === "model" ? "the model" : "the repository"}</td>
                <td className="px-3 py-2 text-xs text-slate-500">{test.durationMs === null ? "—" : `${Math.round(test.durationMs)} ms`}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

const AMBER = "bg-amber-50 text-amber-900 ring-amber-300";
const OUTCOME_TONES: Record<TVerificationOutcome, string> = {
  verified: "bg-emerald-50 text-emerald-900 ring-emerald-200",
  verified_with_changed_tests: AMBER,
  verified_with_changed_harness: AMBER,
  asserted: AMBER,
  failed: "bg-red-50 text-red-900 ring-red-200",
  not_run: AMBER,
};

/** The run's own changes to the harness (first) and to its frozen tests, each diff beside its reason. */
function ReviewChanges({ verification }: { verification: NonNullable<RunEventState["verification"]> }) {
  const changes = [...verification.harnessChanges.map((c) => ({ ...c, kind: "harness" as const })), ...verification.testChanges.map((c) => ({ ...c, kind: "test" as const }))];
  if (changes.length === 0) return null;
  return (
    <div className="space-y-2 md:col-span-2" data-testid="review-changes">
      {changes.map((change) => (
        <div key={`${change.kind}:${change.path}`} data-testid={`review-${change.kind}-change`} className="rounded-md bg-amber-50 p-3 text-sm ring-1 ring-amber-300">
          <p className="font-semibold text-amber-900">
            {change.kind === "harness" ? "Test harness changed by the run" : "Frozen test changed by the debugger"}: <span className="font-mono">{change.path}</span>
          </p>
          <p className="text-xs text-amber-900">{change.kind === "harness" ? `Why this is harness: ${change.reason}` : `The debugger's reason: ${change.reason}`}</p>
          <pre className="mt-2 max-h-64 overflow-auto rounded bg-white p-2 font-mono text-xs text-slate-800 ring-1 ring-slate-200">{change.diff}</pre>
        </div>
      ))}
    </div>
  );
}

/** The final suite against the base commit: what broke, what was already broken, what is new. */
export function BaselineGroups({ state }: { state: RunEventState }) {
  const baseline = state.baseline;
  if (!baseline) return null;
  const group = (title: string, testid: string, items: string[], tone: string, empty: string) => (
    <div data-testid={testid} className="rounded-md bg-white p-3 ring-1 ring-slate-200">
      <p className={`text-sm font-semibold ${tone}`}>
        {title} ({items.length})
      </p>
      {items.length === 0 ? (
        <p className="text-xs text-slate-500">{empty}</p>
      ) : (
        <ul className="mt-1 space-y-0.5 font-mono text-xs">
          {items.slice(0, 50).map((id) => (
            <li key={id}>{id}</li>
          ))}
        </ul>
      )}
    </div>
  );
  return (
    <section aria-label="Against the base commit" className="space-y-2">
      <p className="text-sm text-slate-600">
        The repository&apos;s suite against the base commit{baseline.baselineAvailable ? (baseline.baselineCached ? " (baseline reused)" : "") : " (no baseline: it could not be run, so every failure counts)"}
        {baseline.reason && <span className="text-red-700">: {baseline.reason}</span>}
      </p>
      <div className="grid gap-2 md:grid-cols-3">
        {group("Regressions", "baseline-regressions", baseline.regressions, "text-red-700", "Nothing that passed before fails now.")}
        {group("Already failing", "baseline-already-failing", baseline.alreadyFailing, "text-amber-700", "No test failed on the base commit.")}
        {group("New tests", "baseline-new-tests", baseline.newTests.map((t) => `${t.id} — ${t.status}`), "text-emerald-700", "No new tests.")}
      </div>
    </section>
  );
}

export function VerdictPanel({ state }: { state: RunEventState }) {
  const { verdict, verification } = state;
  if (!verdict && !verification) {
    return <p className="text-sm text-slate-500">{state.finished ? "The run ended before the critic and the final test run." : "The critic's verdict and the final test run come at the end."}</p>;
  }
  const outcome = verification ? { label: OUTCOME_LABELS[verification.outcome], tone: OUTCOME_TONES[verification.outcome] } : null;
  const independent = verification?.independent ?? null;
  return (
    <div className="grid gap-3 md:grid-cols-2">
      {verification && <ReviewChanges verification={verification} />}
      {verification && outcome && (
        <div data-testid="verification" data-outcome={verification.outcome} className={`rounded-md p-4 text-sm ring-1 ring-inset ${outcome.tone}`}>
          <p className="font-semibold">{outcome.label}</p>
          <p className="mt-1">{verification.summary}</p>
          <dl className="mt-2 grid grid-cols-2 gap-1 text-xs">
            <dt>Tests written by the model</dt>
            <dd>
              {verification.modelTests.passed}/{verification.modelTests.total} passed
            </dd>
            <dt>Tests already in the repository</dt>
            <dd>
              {verification.repositoryTests.passed}/{verification.repositoryTests.total} passed
            </dd>
            <dt>Commands run</dt>
            <dd>{verification.commands}</dd>
          </dl>
          {independent && (
            <p data-testid="independent-run" data-passed={independent.passed} className="mt-2 text-xs">
              Independent re-run in a fresh container {independent.containerId?.slice(0, 12) ?? "?"} on commit {independent.commit?.slice(0, 10) ?? "(not a git work tree)"}
              {independent.tree ? ` (tree ${independent.tree.slice(0, 10)})` : ""}, image {independent.image?.slice(0, 19) ?? "?"}, harness from the base commit
              {independent.restoredHarness.length ? ` (${independent.restoredHarness.join(", ")} restored)` : ""}: {independent.passed ? "passed" : `failed${independent.reason ? `: ${independent.reason}` : ""}`}.
            </p>
          )}
        </div>
      )}
      {verdict && (
        <div data-testid="verdict" data-verdict={verdict.verdict} className="rounded-md bg-white p-4 text-sm ring-1 ring-slate-200">
          <p className="font-semibold">
            Critic:{" "}
            <span className={verdict.verdict === "PASS" ? "text-emerald-700" : "text-red-700"}>{verdict.verdict}</span>
          </p>
          {verdict.reasons.length > 0 && (
            <ul className="mt-1 list-disc space-y-0.5 pl-5 text-slate-700">
              {verdict.reasons.map((reason, i) => (
                <li key={i}>{reason}</li>
              ))}
            </ul>
          )}
          <p className="mt-2 text-xs text-slate-500">The verdict is the critic&apos;s opinion; the result above comes from exit codes and JUnit reports.</p>
        </div>
      )}
    </div>
  );
}
