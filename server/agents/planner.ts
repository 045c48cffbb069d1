import { completeParsed, type AgentContext } from "@/server/agents/agent-context";
import { parsePlan, type Plan } from "@/server/agents/plan";
import type { ChatMessage } from "@/server/llm/types";

export interface FileText {
  path: string;
  content: string;
}

export interface PlannerInput {
  task: string;
  contextFiles: FileText[];
  /** Similar past runs from memory. */
  memories: { task: string; summary: string }[];
  /** Repository snippets retrieved for the task. */
  snippets: FileText[];
  /** Tools the plan may use; empty or absent means no tool steps. */
  tools?: { name: string; description: string }[];
  /** The repository's language, test framework, test command and test layout (server/orchestrator/test-layout). */
  repository?: string;
}

export const PLANNER_SYSTEM_PROMPT = `You are the Planner of a coding system. You split a programming task into small steps that other agents carry out.
Agents:
- "coder": writes or changes exactly one file (field "file"); tests for it are written and run automatically.
- "tester": writes tests (in the repository's test framework, pytest by default) for one existing file (field "file" = the file under test).
- "tool": runs one tool (fields "tool_name", "tool_params"); only tools listed by the user may be used.
Answer with ONE JSON object and nothing else:
{"steps": [{"id": "s1", "agent": "coder", "description": "...", "file": "path/relative/to/repo.py", "interface": "def name(arg: type) -> type", "depends_on": []}]}
Rules: ids are unique; a coder step that creates a new file gives "interface": the public functions and classes it will define, with their exact signatures, one per line (its tests are written from the task, the description and this interface, at the same time as the code); "depends_on" lists ids of steps that must finish first; steps without a dependency between them run in parallel, so only add dependencies that are real; keep the plan as short as the task allows (usually 1-4 steps); code goes in files of the repository's language (.py by default); a new dependency is added with the pip_install or npm_install tool step when it is listed (it edits the manifest and rebuilds the project's environment before the steps that depend on it), never by installing it any other way; never overwrite the repository's existing test files; paths are relative, never absolute, never with "..".`;

export const PLAN_FORMAT_REMINDER =
  'The format is one JSON object {"steps": [{"id", "agent": "coder"|"tester"|"tool", "description", "file"?, "interface"?, "depends_on"?: [ids], "tool_name"?, "tool_params"?}]}.';

const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max)}\n[... ${text.length - max} more characters]` : text);

export function buildPlannerMessages(input: PlannerInput): ChatMessage[] {
  const parts = [...(input.repository ? [input.repository] : []), `Task:\n${input.task}`];
  if (input.contextFiles.length) {
    parts.push(`Files the user attached:\n${input.contextFiles.map((f) => `File: ${f.path}\n\`\`\`\n${clip(f.content, 6_000)}\n\`\`\``).join("\n\n")}`);
  }
  if (input.snippets.length) {
    parts.push(`Relevant parts of the repository:\n${input.snippets.map((f) => `From ${f.path}:\n\`\`\`\n${clip(f.content, 2_000)}\n\`\`\``).join("\n\n")}`);
  }
  if (input.memories.length) {
    parts.push(`Similar tasks solved before:\n${input.memories.map((m) => `- ${m.task}: ${m.summary}`).join("\n")}`);
  }
  parts.push(
    input.tools?.length
      ? `Tools you may use in "tool" steps:\n${input.tools.map((t) => `- ${t.name}: ${t.description}`).join("\n")}`
      : "No tools are available: do not use tool steps.",
  );
  return [
    { role: "system", content: PLANNER_SYSTEM_PROMPT },
    { role: "user", content: parts.join("\n\n") },
  ];
}

/** Task in, validated plan out; one repair round with the validation error, then an AppError. */
export async function planTask(ctx: AgentContext, input: PlannerInput): Promise<{ plan: Plan; repaired: boolean }> {
  const tools = (input.tools ?? []).map((t) => t.name);
  const { value, repaired } = await completeParsed(ctx, "planner", buildPlannerMessages(input), (text) => parsePlan(text, { tools }), {
    json: true,
    what: "plan",
    formatReminder: PLAN_FORMAT_REMINDER,
  });
  return { plan: value, repaired };
}
