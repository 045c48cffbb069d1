"use client";

import { useMutation, useQuery } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useMemo, useState, type FormEvent } from "react";
import { useTRPC } from "@/components/providers/trpc-provider";
import { Button } from "@/components/ui/button";
import { TextAreaField } from "@/components/ui/field";
import { Alert, ErrorState, LoadingState } from "@/components/ui/states";
import { CostTotals } from "@/components/insights/cost-totals";

const MAX_CONTEXT_FILES = 50;
const SHOWN_FILES = 200;

/** A task for the agents, with context files picked from the repository; on success, the run page. */
export function NewTaskForm({ projectId, reviewByDefault = false }: { projectId: string; reviewByDefault?: boolean }) {
  const trpc = useTRPC();
  const router = useRouter();
  const tree = useQuery(trpc.project.tree.queryOptions({ projectId }));
  const [prompt, setPrompt] = useState("");
  const [filter, setFilter] = useState("");
  const [chosen, setChosen] = useState<string[]>([]);
  const [reviewPlan, setReviewPlan] = useState(reviewByDefault);
  const [budget, setBudget] = useState({ tokens: "", usd: "" });
  const create = useMutation(trpc.task.create.mutationOptions({ onSuccess: ({ runId }) => router.push(`/runs/${runId}`) }));

  const files = useMemo(() => (tree.data ?? []).filter((entry) => entry.kind === "file").map((entry) => entry.path), [tree.data]);
  const matches = useMemo(() => {
    const needle = filter.trim().toLowerCase();
    return (needle ? files.filter((path) => path.toLowerCase().includes(needle)) : files).slice(0, SHOWN_FILES);
  }, [files, filter]);

  const toggle = (path: string) => setChosen((current) => (current.includes(path) ? current.filter((p) => p !== path) : current.length >= MAX_CONTEXT_FILES ? current : [...current, path]));

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    // Empty fields keep the server's default budgets (RUN_TOKEN_BUDGET, RUN_COST_BUDGET_USD).
    create.mutate({
      projectId,
      prompt,
      contextFiles: chosen,
      reviewPlan,
      ...(budget.tokens.trim() ? { tokenBudget: Number(budget.tokens) } : {}),
      ...(budget.usd.trim() ? { costBudgetUsd: Number(budget.usd) } : {}),
    });
  }

  return (
    <form onSubmit={submit} aria-label="New task" className="space-y-4 rounded-lg bg-white p-5 shadow-sm ring-1 ring-slate-200">
      {create.error && <Alert>{create.error.message}</Alert>}
      <TextAreaField
        id="task-prompt"
        label="Task"
        required
        rows={4}
        value={prompt}
        onChange={(event) => setPrompt(event.target.value)}
        onKeyDown={(event) => {
          // Ctrl+Enter (Cmd+Enter on a Mac) submits, as in the code review tools people use; Enter alone is a new line.
          if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
            event.preventDefault();
            event.currentTarget.form?.requestSubmit();
          }
        }}
        aria-describedby="task-prompt-hint"
        placeholder="Write add(a, b) in calc.py with tests"
      />
      <fieldset className="space-y-2">
        <legend className="text-sm font-medium text-slate-700">
          Context files <span className="font-normal text-slate-500">({chosen.length} chosen, at most {MAX_CONTEXT_FILES})</span>
        </legend>
        {tree.isPending ? (
          <LoadingState label="Reading the repository…" />
        ) : tree.isError ? (
          <ErrorState message={tree.error.message} onRetry={() => void tree.refetch()} />
        ) : files.length === 0 ? (
          <p className="text-sm text-slate-500">The repository has no files yet.</p>
        ) : (
          <>
            <label htmlFor="context-filter" className="sr-only">
              Filter files
            </label>
            <input
              id="context-filter"
              type="search"
              value={filter}
              onChange={(event) => setFilter(event.target.value)}
              placeholder={`Filter ${files.length} files`}
              className="block w-full rounded-md border-0 px-3 py-1.5 text-sm ring-1 ring-inset ring-slate-300 focus:ring-2 focus:ring-indigo-600"
            />
            <ul role="list" aria-label="Repository files" className="max-h-48 overflow-auto rounded-md ring-1 ring-slate-200">
              {matches.map((path) => (
                <li key={path}>
                  <label className="flex items-center gap-2 px-3 py-1 font-mono text-xs hover:bg-slate-50">
                    <input type="checkbox" className="accent-indigo-600" checked={chosen.includes(path)} onChange={() => toggle(path)} />
                    {path}
                  </label>
                </li>
              ))}
            </ul>
            {matches.length === SHOWN_FILES && <p className="text-xs text-slate-500">Showing the first {SHOWN_FILES}; filter to find others.</p>}
          </>
        )}
      </fieldset>
      <fieldset className="space-y-2">
        <legend className="text-sm font-medium text-slate-700">
          Budgets <span className="font-normal text-slate-500">(empty: the server's defaults)</span>
        </legend>
        <div className="flex flex-wrap items-end gap-4">
          <label className="text-sm">
            <span className="block text-slate-700">Token budget</span>
            <input type="number" min={1000} step={1000} inputMode="numeric" value={budget.tokens} onChange={(e) => setBudget((b) => ({ ...b, tokens: e.target.value }))} className="w-36 rounded-md px-2 py-1 ring-1 ring-slate-300" data-testid="budget-tokens" />
          </label>
          <label className="text-sm">
            <span className="block text-slate-700">Cost budget (USD)</span>
            <input type="number" min={0} step={0.01} inputMode="decimal" value={budget.usd} onChange={(e) => setBudget((b) => ({ ...b, usd: e.target.value }))} className="w-36 rounded-md px-2 py-1 ring-1 ring-slate-300" data-testid="budget-usd" />
          </label>
          {/* What runs have cost so far, beside the budgets it informs. */}
          <CostTotals projectId={projectId} beside="budgets" />
        </div>
      </fieldset>
      <label className="flex items-center gap-2 text-sm text-slate-700">
        <input type="checkbox" className="accent-indigo-600" checked={reviewPlan} onChange={(event) => setReviewPlan(event.target.checked)} />
        Review the plan before it runs
      </label>
      <div className="flex flex-wrap items-center gap-3">
        <Button type="submit" pending={create.isPending} disabled={!prompt.trim()}>
          Start task
        </Button>
        <p id="task-prompt-hint" className="text-xs text-slate-600">
          <kbd className="rounded border border-slate-300 px-1 font-sans">Ctrl</kbd>/<kbd className="rounded border border-slate-300 px-1 font-sans">⌘</kbd>+<kbd className="rounded border border-slate-300 px-1 font-sans">Enter</kbd> starts the task
        </p>
      </div>
    </form>
  );
}
