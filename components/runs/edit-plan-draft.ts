/**
 * Plan review's form state, pure so the plan a reviewer approves can be checked without a browser: every field of
 * a step is carried through (interface and tool parameters included), not only the ones the form shows.
 */
import type { TEventPlanStep } from "@/server/runs/events/contract";

export type PlanDraft = TEventPlanStep & { dependsText: string; key: number };

let draftKeys = 0;
export const toPlanDraft = (step: TEventPlanStep): PlanDraft => ({ ...step, dependsText: step.depends_on.join(", "), key: ++draftKeys });

/** An emptied optional field is left out rather than sent as "", which the plan schema refuses. */
const filled = (value: string | undefined) => (value?.trim() ? value.trim() : undefined);

export function toEditedPlan(drafts: PlanDraft[]) {
  return {
    steps: drafts.map(({ dependsText, key: _key, ...step }) => ({
      ...step,
      file: filled(step.file),
      interface: filled(step.interface),
      depends_on: dependsText.split(/[\s,]+/).filter(Boolean),
    })),
  };
}
