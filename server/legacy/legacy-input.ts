import { z } from "zod";
import { env } from "@/server/env";
import { AppError } from "@/server/errors";
import type { TStartTask } from "@/server/runs/run-schemas";
import { TOOL_NAMES } from "@/server/tools";
import { projectIdOf } from "./legacy-http";

export const MAX_LEGACY_STEPS = 20;

const ZId = z.union([z.string().trim().min(1).max(64), z.number().int()]);

/** The original's request bodies; unknown fields are ignored, as FastAPI's models did. */
export const ZLegacyTaskBody = z.object({
  task: z.string({ error: "`task` is required: describe what to build, as a string." }),
  context_files: z.array(z.string({ error: "context_files holds repository paths as strings." })).default([]),
  project_id: z.unknown().optional(),
});
export type TLegacyTaskBody = z.input<typeof ZLegacyTaskBody>;

export const ZLegacyStep = z.object({
  id: ZId.optional(),
  agent: z.enum(["coder", "tester", "tool"], { error: '`agent` must be "coder", "tester" or "tool".' }),
  description: z.string().trim().max(2000).optional(),
  file: z.string().trim().min(1).optional(),
  depends_on: z.array(ZId).optional(),
  tool_name: z.string().trim().min(1).optional(),
  tool_params: z.record(z.string(), z.unknown()).optional(),
});
export type TLegacyStep = z.infer<typeof ZLegacyStep>;

export const ZLegacyParallelBody = z.object({
  steps: z.array(ZLegacyStep).min(1, "Give at least one step.").max(MAX_LEGACY_STEPS, `Give at most ${MAX_LEGACY_STEPS} steps.`),
  context_files: ZLegacyTaskBody.shape.context_files,
  project_id: z.unknown().optional(),
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
export function legacyParallelInput(body: unknown, projectHeader: string | null | undefined): TStartTask {
  const parsed = parseBody(ZLegacyParallelBody, body);
  const plan = legacyStepsToPlan(parsed.steps, env().ENABLE_TOOL_USE ? TOOL_NAMES : null);
  const prompt = parsed.task?.trim() || `Carry out these steps:\n${plan.steps.map((step, i) => `${i + 1}. ${step.description}`).join("\n")}`;
  return { projectId: projectIdOf(projectHeader, parsed.project_id), prompt, contextFiles: parsed.context_files, plan };
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
export function legacyStepsToPlan(steps: TLegacyStep[], tools: readonly string[] | null): NonNullable<TStartTask["plan"]> {
  const parallel = steps.every((step) => step.depends_on === undefined);
  const taken = new Set(steps.flatMap((step) => (step.file ? [step.file] : [])));
  return {
    steps: steps.map((step, index) => {
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
        depends_on: parallel ? [] : (step.depends_on ?? []).map(String),
      };
    }),
  };
}
