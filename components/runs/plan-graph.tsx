import { independentTestFiles, layerSteps, type PlanStepView, type RunEventState } from "@/server/runs/events/fold-run-view";

const STEP_TONE: Record<PlanStepView["status"], string> = {
  pending: "ring-slate-300 bg-white",
  running: "ring-sky-400 bg-sky-50",
  succeeded: "ring-emerald-400 bg-emerald-50",
  failed: "ring-red-400 bg-red-50",
  skipped: "ring-slate-300 bg-slate-50 text-slate-500",
  cancelled: "ring-amber-400 bg-amber-50",
};

const PHASE_TEXT: Record<RunEventState["phase"], string> = {
  queued: "Waiting for a worker…",
  starting: "Starting: preparing the branch and recalling memory…",
  planning: "The planner is writing the plan…",
  awaiting_approval: "The plan waits for review: approve, edit or reject it above.",
  executing: "",
  verifying: "",
  finished: "",
};

/**
 * The plan as layers of steps: each column holds the steps whose dependencies are all in earlier columns,
 * so steps in one column may run in parallel. Each step names what it waits for.
 */
export function PlanGraph({ state }: { state: RunEventState }) {
  if (state.steps.length === 0) {
    return <p className="text-sm text-slate-500">{state.finished ? "No plan was made." : PHASE_TEXT[state.phase] || "No steps."}</p>;
  }
  const layers = layerSteps(state.steps);
  return (
    <ol aria-label="Plan" className="flex gap-3 overflow-x-auto pb-2">
      {layers.map((layer, index) => (
        <li key={index} className="flex min-w-56 flex-1 flex-col gap-2">
          <p className="text-xs font-medium uppercase tracking-wide text-slate-500">{index === 0 ? "First" : `Then (${index + 1})`}</p>
          <ul role="list" className="flex flex-col gap-2">
            {layer.map((step) => (
              <li key={step.id} data-testid={`step-${step.id}`} data-status={step.status} className={`rounded-md p-3 text-sm ring-1 ring-inset ${STEP_TONE[step.status]}`}>
                <div className="flex items-center justify-between gap-2">
                  <span className="font-mono text-xs text-slate-500">
                    {step.id}
                    {step.group !== null && ` · group ${step.group}`}
                  </span>
                  <span className="text-xs font-medium capitalize">{step.status}</span>
                </div>
                <p className="mt-1 font-medium text-slate-900">
                  <span className="capitalize">{step.agent}</span>
                  {step.file && <span className="font-mono text-xs text-slate-600"> · {step.file}</span>}
                  {step.toolName && <span className="font-mono text-xs text-slate-600"> · {step.toolName}</span>}
                </p>
                <p className="mt-0.5 text-slate-700">{step.description}</p>
                {step.dependsOn.length > 0 && <p className="mt-1 text-xs text-slate-500">after {step.dependsOn.join(", ")}</p>}
                {step.harness.length > 0 && (
                  <p data-testid={`step-${step.id}-harness`} className="mt-1 rounded bg-amber-100 px-1.5 py-0.5 text-xs font-medium text-amber-900">
                    changes the test harness: {step.harness.join(", ")}
                  </p>
                )}
                <IndependentTests files={independentTestFiles(state.edits, step.id)} stepId={step.id} />
                {step.attempts > 0 && <p className="mt-1 text-xs text-amber-700">debug attempt {step.attempts}</p>}
                {step.reason && step.status !== "succeeded" && <p className="mt-1 text-xs text-red-700">{step.reason}</p>}
                {step.commit && <p className="mt-1 font-mono text-xs text-slate-500">commit {step.commit.slice(0, 8)}</p>}
              </li>
            ))}
          </ul>
        </li>
      ))}
    </ol>
  );
}

/** The step's tests were written from the task and the planned interface while the coder worked, never from its code. */
function IndependentTests({ files, stepId }: { files: string[]; stepId: string }) {
  if (files.length === 0) return null;
  return (
    <p data-testid={`step-${stepId}-independent`} className="mt-1 rounded bg-sky-100 px-1.5 py-0.5 text-xs font-medium text-sky-900">
      independent tests: <span className="font-mono">{files.join(", ")}</span>
      <span className="sr-only"> (written from the task and the planned interface, without seeing the code)</span>
    </p>
  );
}
