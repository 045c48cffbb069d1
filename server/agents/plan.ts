import { z } from "zod";
import type { Parsed } from "@/server/agents/agent-context";
import { extractJson, unsafePathReason } from "@/server/agents/parse-model-output";

const ZId = z.union([z.string().trim().min(1), z.number()]).transform(String);

export const ZPlanStep = z.object({
  id: ZId.optional(),
  agent: z.enum(["coder", "tester", "tool"]),
  description: z.string().trim().min(1),
  file: z.string().trim().min(1).optional(),
  /** For a coder step that creates a file: its public names with signatures; the tester writes its tests from them without seeing the code. */
  interface: z.string().trim().min(1).optional(),
  depends_on: z.array(ZId).optional(),
  group: z.number().int().min(0).optional(),
  tool_name: z.string().trim().min(1).optional(),
  tool_params: z.record(z.string(), z.unknown()).optional(),
});

export const ZPlan = z.object({ steps: z.array(ZPlanStep) });

/** The one cap on plan size, for the planner's plans, task.create and /run_parallel alike (the original's 20). */
export const MAX_PLAN_STEPS = 20;

/** A validated plan step: ids are filled in and dependencies are explicit. */
export type PlanStep = Omit<z.infer<typeof ZPlanStep>, "id" | "depends_on"> & { id: string; depends_on: string[] };
export interface Plan {
  steps: PlanStep[];
}

export interface ValidatePlanOptions {
  /** Tool names the ToolExecutor offers; a tool step naming another is rejected. Undefined: no check. */
  tools?: string[];
}

/**
 * Structural checks the schema cannot express. Dependencies: with explicit depends_on anywhere, those are
 * used; else with groups, each step waits for every step of a lower group; else steps run in list order.
 */
export function validatePlan(raw: unknown, options: ValidatePlanOptions = {}): Parsed<Plan> {
  const candidate = Array.isArray(raw) ? { steps: raw } : raw;
  const parsed = ZPlan.safeParse(candidate);
  if (!parsed.success) return { ok: false, error: `the plan does not match the schema:\n${z.prettifyError(parsed.error)}` };
  const input = parsed.data.steps;
  if (input.length === 0) return { ok: false, error: "the plan has no steps; give at least one step" };
  if (input.length > MAX_PLAN_STEPS) {
    return { ok: false, error: `the plan has ${input.length} steps; at most ${MAX_PLAN_STEPS} are allowed. Merge small steps, or split the task into several tasks` };
  }

  const ids = input.map((step, index) => step.id ?? `s${index + 1}`);
  const seen = new Set<string>();
  for (const id of ids) {
    if (seen.has(id)) return { ok: false, error: `step id "${id}" is used twice; ids must be unique` };
    seen.add(id);
  }
  const anyDeps = input.some((step) => step.depends_on !== undefined);
  const anyGroups = input.some((step) => step.group !== undefined);
  const steps: PlanStep[] = input.map((step, index) => {
    let depends: string[];
    if (anyDeps) depends = step.depends_on ?? [];
    else if (anyGroups) {
      const group = step.group ?? 0;
      depends = ids.filter((_, other) => (input[other]!.group ?? 0) < group);
    } else depends = index === 0 ? [] : [ids[index - 1]!];
    return { ...step, id: ids[index]!, depends_on: depends };
  });

  for (const step of steps) {
    for (const dep of step.depends_on) {
      if (dep === step.id) return { ok: false, error: `step "${step.id}" depends on itself` };
      if (!seen.has(dep)) return { ok: false, error: `step "${step.id}" depends on "${dep}", which is not a step id (ids: ${ids.join(", ")})` };
    }
    if (step.agent === "tool") {
      if (!step.tool_name) return { ok: false, error: `step "${step.id}" is a tool step without tool_name` };
      if (options.tools && !options.tools.includes(step.tool_name)) {
        return { ok: false, error: `step "${step.id}" uses unknown tool "${step.tool_name}"; available: ${options.tools.join(", ") || "none"}` };
      }
    } else {
      if (!step.file) return { ok: false, error: `step "${step.id}" (${step.agent}) has no file; every coder and tester step names one file` };
      const unsafe = unsafePathReason(step.file);
      if (unsafe) return { ok: false, error: `step "${step.id}": ${unsafe}` };
    }
  }

  const cycle = findCycle(steps);
  if (cycle) return { ok: false, error: `the dependencies form a cycle: ${cycle.join(" -> ")}` };
  return { ok: true, value: { steps } };
}

function findCycle(steps: PlanStep[]): string[] | undefined {
  const byId = new Map(steps.map((step) => [step.id, step]));
  const state = new Map<string, "visiting" | "done">();
  const path: string[] = [];
  const visit = (id: string): string[] | undefined => {
    if (state.get(id) === "done") return undefined;
    if (state.get(id) === "visiting") return [...path.slice(path.indexOf(id)), id];
    state.set(id, "visiting");
    path.push(id);
    for (const dep of byId.get(id)?.depends_on ?? []) {
      const found = visit(dep);
      if (found) return found;
    }
    path.pop();
    state.set(id, "done");
    return undefined;
  };
  for (const step of steps) {
    const found = visit(step.id);
    if (found) return found;
  }
  return undefined;
}

export function parsePlan(text: string, options: ValidatePlanOptions = {}): Parsed<Plan> {
  const json = extractJson(text);
  if (!json.ok) return json;
  return validatePlan(json.value, options);
}
