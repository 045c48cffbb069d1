"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTRPC } from "@/components/providers/trpc-provider";
import { Button } from "@/components/ui/button";
import { Field, TextAreaField } from "@/components/ui/field";
import { Alert } from "@/components/ui/states";
import type { TEventPlanStep } from "@/server/runs/events/contract";
import { toEditedPlan, toPlanDraft, type PlanDraft } from "./edit-plan-draft";

/**
 * Plan review: the planner's steps as editable fields (description, file, a new file's interface, dependencies; remove or add a step),
 * approved or rejected with a reason. Plain labelled inputs and buttons, so it works from the keyboard alone.
 * The server checks the edited plan with the planner's schema and answers with its message.
 */
export function PlanReviewPanel({ runId, steps, deadline }: { runId: string; steps: TEventPlanStep[]; deadline: Date | null }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [drafts, setDrafts] = useState<PlanDraft[]>(() => steps.map(toPlanDraft));
  const [dirty, setDirty] = useState(false);
  const [rejecting, setRejecting] = useState(false);
  const [reason, setReason] = useState("");
  const refresh = () => void queryClient.invalidateQueries({ queryKey: trpc.run.byId.queryKey({ runId }) });
  const approve = useMutation(trpc.run.approvePlan.mutationOptions({ onSuccess: refresh }));
  const reject = useMutation(trpc.run.rejectPlan.mutationOptions({ onSuccess: refresh }));
  const change = (index: number, patch: Partial<PlanDraft>) => {
    setDirty(true);
    setDrafts((current) => current.map((draft, i) => (i === index ? { ...draft, ...patch } : draft)));
  };
  const nextId = () => {
    const taken = new Set(drafts.map((d) => d.id));
    let n = drafts.length + 1;
    while (taken.has(`s${n}`)) n++;
    return `s${n}`;
  };
  const error = approve.error ?? reject.error;
  const done = approve.isSuccess || reject.isSuccess;
  return (
    <section aria-labelledby="plan-review-heading" className="space-y-4 rounded-lg bg-violet-50 p-4 ring-1 ring-violet-200" data-testid="plan-review">
      <div>
        <h2 id="plan-review-heading" className="text-lg font-semibold">
          Review the plan
        </h2>
        <p className="text-sm text-slate-600">
          The run stopped after planning. Edit the steps if needed, then approve to run them as shown, or reject to end the run.
          {deadline && <> Unreviewed plans expire at {deadline.toLocaleString()}.</>}
        </p>
      </div>
      <ol className="space-y-3">
        {drafts.map((draft, index) => (
          <li key={draft.key}>
            <fieldset className="space-y-2 rounded-md bg-white p-3 ring-1 ring-slate-200">
              <legend className="px-1 text-sm font-medium">
                Step {draft.id} ({draft.agent}
                {draft.tool_name ? `: ${draft.tool_name}` : ""})
              </legend>
              <TextAreaField id={`plan-${index}-description`} label={`Description of step ${draft.id}`} rows={2} value={draft.description} onChange={(e) => change(index, { description: e.target.value })} />
              {draft.agent !== "tool" && <Field id={`plan-${index}-file`} label={`File of step ${draft.id}`} value={draft.file ?? ""} onChange={(e) => change(index, { file: e.target.value })} />}
              {draft.agent === "coder" && (
                <TextAreaField
                  id={`plan-${index}-interface`}
                  label={`Interface of step ${draft.id}: its public names and signatures, one per line (optional; the tester writes its tests from them)`}
                  rows={2}
                  value={draft.interface ?? ""}
                  onChange={(e) => change(index, { interface: e.target.value })}
                />
              )}
              <Field id={`plan-${index}-depends`} label={`Step ${draft.id} waits for`} hint="Step ids, separated by commas; empty: it can start at once." value={draft.dependsText} onChange={(e) => change(index, { dependsText: e.target.value })} />
              <Button
                variant="ghost"
                onClick={() => {
                  setDirty(true);
                  setDrafts((current) => current.filter((_, i) => i !== index));
                }}
              >
                Remove step {draft.id}
              </Button>
            </fieldset>
          </li>
        ))}
      </ol>
      {!done && (
        <div className="flex flex-wrap gap-2">
          <Button
            variant="secondary"
            onClick={() => {
              setDirty(true);
              setDrafts((current) => [...current, toPlanDraft({ id: nextId(), agent: "coder", description: "", file: "", depends_on: [] })]);
            }}
          >
            Add a coder step
          </Button>
          <Button pending={approve.isPending} onClick={() => approve.mutate({ runId, plan: dirty ? toEditedPlan(drafts) : undefined })}>
            {dirty ? "Approve edited plan" : "Approve plan"}
          </Button>
          <Button variant="danger" onClick={() => setRejecting(!rejecting)} aria-expanded={rejecting}>
            Reject plan
          </Button>
        </div>
      )}
      {rejecting && !done && (
        <form
          className="space-y-2"
          onSubmit={(e) => {
            e.preventDefault();
            reject.mutate({ runId, reason });
          }}
        >
          <TextAreaField id="plan-reject-reason" label="Why (optional, shown on the run)" rows={2} value={reason} onChange={(e) => setReason(e.target.value)} />
          <Button type="submit" variant="danger" pending={reject.isPending}>
            Reject and end the run
          </Button>
        </form>
      )}
      {error && <Alert>{error.message}</Alert>}
      {approve.isSuccess && <Alert tone="info">Approved: the run continues with {approve.data.steps} step{approve.data.steps === 1 ? "" : "s"} when a worker is free.</Alert>}
    </section>
  );
}
