import { z } from "zod";
import { MAX_PLAN_STEPS } from "@/server/agents/plan";
import { env } from "@/server/env";
import { AppError } from "@/server/errors";
import type { TStartTask } from "@/server/runs/run-schemas";
import { TOOL_NAMES } from "@/server/tools";
import { projectIdOf } from "./legacy-http";

export const MAX_LEGACY_STEPS = MAX_PLAN_STEPS;

const ZId = z.union([z.string().trim().min(1).max(64), z.number().int()]);

/** The original's request bodies; unknown fields are ignored, as FastAPI's models did. */
export const ZLegacyTaskBody = z.object({
  task: z.string({ error: "`task` is required: describe what to build, as a string." }),
  context_files: z.array(z.string({ error: "context_files holds repository paths as strings." })).default([]),
  project_id: z.unknown().optional(),
  /** Refuse context files that do not exist instead of ignoring them with a warning (the original ignored them). */
  strict: z.boolean().optional(),
});
export type TLegacyTaskBody = z.input<typeof ZLegacyTaskBody>;

export const ZLegacyStep = z.object({
  id: ZId.optional(),
  agent: z.enum(["coder", "tester", "tool", "planner", "critic"], { error: '`agent` must be "coder", "tester", "tool", "planner" or "critic".' }),
  description: z.string().trim().max(2000).optional(),
  file: z.string().trim().min(1).optional(),
  depends_on: z.array(ZId).optional(),
  tool_name: z.string().trim().min(1).optional(),
  tool_params: z.record(z.string(), z.unknown()).optional(),
});
export type TLegacyStep = z.infer<typeof ZLegacyStep>;
/** A step the run carries out; planner and critic steps are answered beside the run (legacy-agent-steps). */
export type TLegacyRunStep = Omit<TLegacyStep, "agent"> & { agent: "coder" | "tester" | "tool" };
export type TLegacyAdviceStep = Omit<TLegacyStep, "agent"> & { agent: "planner" | "critic" };
const isRunStep = (step: TLegacyStep): step is TLegacyRunStep => step.agent !== "planner" && step.agent !== "critic";

export const ZLegacyParallelBody = z.object({
  steps: z.array(ZLegacyStep).min(1, "Give at least one step.").max(MAX_LEGACY_STEPS, `Give at most ${MAX_LEGACY_STEPS} steps.`),
  context_files: ZLegacyTaskBody.shape.context_files,
  project_id: z.unknown().optional(),
  strict: z.boolean().optional(),
  /** Optional: what the steps are for (shown in history and given to the agents); derived from the steps when absent. */
  task: z.string().optional(),
});

function parseBody<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  // Messages written here already name their field; zod's own ones get the path in front.
  const named = issue?.path.length && issue.message.includes(`\`${String(issue.path.at(-1))}\``);
  const where = issue?.path.length && !named ? `${issue.path.join(".")}: ` : "";
  throw new AppError("BAD_REQUEST", `${where}${issue?.message ?? "Check the request body."}`);
}

/** POST /run, /stream and WS /api/ws: the original body as startTask's input. */
export function legacyTaskInput(body: unknown, projectHeader: string | null | undefined): TStartTask {
  const parsed = parseBody(ZLegacyTaskBody, body);
  return { projectId: projectIdOf(projectHeader, parsed.project_id), prompt: parsed.task, contextFiles: parsed.context_files };
}

/** POST /run_parallel: the given steps become the task's fixed plan (the Planner is skipped). */
export interface LegacyParallelRequest {
  /** The run for the coder, tester and tool steps; null when every step is a planner or critic step. */
  input: TStartTask | null;
  projectId: string;
  contextFiles: string[];
  strict: boolean;
  /** Every step in the given order: a run step by its plan id, an advice step as given. */
  order: Array<{ runStepId: string } | { advice: TLegacyAdviceStep }>;
}

export function legacyParallelInput(body: unknown, projectHeader: string | null | undefined): LegacyParallelRequest {
  const parsed = parseBody(ZLegacyParallelBody, body);
  const projectId = projectIdOf(projectHeader, parsed.project_id);
  const indexes = parsed.steps.flatMap((step, index) => (isRunStep(step) ? [index] : []));
  const plan = legacyStepsToPlan(parsed.steps.filter(isRunStep), env().ENABLE_TOOL_USE ? TOOL_NAMES : null, indexes);
  const prompt = parsed.task?.trim() || `Carry out these steps:\n${plan.steps.map((step, i) => `${i + 1}. ${step.description}`).join("\n")}`;
  const order = parsed.steps.map((step, index): LegacyParallelRequest["order"][number] => {
    const at = indexes.indexOf(index);
    return at >= 0 ? { runStepId: String(plan.steps[at]!.id) } : { advice: step as TLegacyAdviceStep };
  });
  const input = plan.steps.length > 0 ? { projectId, prompt, contextFiles: parsed.context_files, plan } : null;
  return { input, projectId, contextFiles: parsed.context_files, strict: parsed.strict === true, order };
}

/** "Create user model" -> "create_user_model.py": the file a coder step without one writes. */
export function fileForDescription(description: string, taken: Set<string>): string {
  const slug = description
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "")
    .slice(0, 40)
    .replace(/_+$/, "");
  const base = !slug ? "step" : /^\d/.test(slug) ? `step_${slug}` : slug;
  let name = `${base}.py`;
  for (let n = 2; taken.has(name); n++) name = `${base}_${n}.py`;
  taken.add(name);
  return name;
}

/**
 * The original's steps as a plan for validatePlan: ids s1, s2, ... where missing; a coder step without
 * a file writes one named after its description; with no depends_on anywhere every step runs in parallel.
 */
export function legacyStepsToPlan(steps: TLegacyRunStep[], tools: readonly string[] | null, indexes?: number[]): NonNullable<TStartTask["plan"]> {
  const parallel = steps.every((step) => step.depends_on === undefined);
  const taken = new Set(steps.flatMap((step) => (step.file ? [step.file] : [])));
  const ids = new Set(steps.map((step, i) => (step.id === undefined ? `s${(indexes?.[i] ?? i) + 1}` : String(step.id))));
  return {
    steps: steps.map((step, i) => {
      const index = indexes?.[i] ?? i;
      const label = `steps.${index}`;
      if (step.agent === "tool") {
        if (!step.tool_name) throw new AppError("BAD_REQUEST", `${label}: a tool step needs tool_name (one of ${(tools ?? TOOL_NAMES).join(", ")}).`);
        if (!tools) throw new AppError("BAD_REQUEST", `${label}: tool steps are turned off on this server (ENABLE_TOOL_USE=false).`);
        if (!tools.includes(step.tool_name)) throw new AppError("BAD_REQUEST", `${label}: unknown tool "${step.tool_name}"; available: ${tools.join(", ")}.`);
      }
      if (step.agent === "tester" && !step.file) throw new AppError("BAD_REQUEST", `${label}: a tester step needs \`file\`, the Python file its tests cover.`);
      const description = step.description || (step.agent === "tool" ? `Run ${step.tool_name}` : "");
      if (!description) throw new AppError("BAD_REQUEST", `${label}: describe the step in \`description\`.`);
      return {
        id: step.id === undefined ? `s${index + 1}` : String(step.id),
        agent: step.agent,
        description,
        ...(step.agent === "tool"
          ? { tool_name: step.tool_name, tool_params: step.tool_params ?? {} }
          : { file: step.file ?? fileForDescription(description, taken) }),
        // A dependency on a planner or critic step is met before the run starts.
        depends_on: parallel ? [] : (step.depends_on ?? []).map(String).filter((id) => ids.has(id)),
      };
    }),
  };
}
