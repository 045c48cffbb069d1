import { z } from "zod";
import { completeParsed, type AgentContext, type Parsed } from "@/server/agents/agent-context";
import { extractJson } from "@/server/agents/parse-model-output";
import type { FileText } from "@/server/agents/planner";
import type { ChatMessage } from "@/server/llm/types";

export const ZVerdict = z.object({
  verdict: z.preprocess((v) => (typeof v === "string" ? v.trim().toUpperCase() : v), z.enum(["PASS", "FAIL"])),
  reasons: z.array(z.string()).default([]),
});
export type Verdict = z.infer<typeof ZVerdict>;

export interface CriticInput {
  task: string;
  planSummary: string;
  files: FileText[];
  /** The verification summary: commands, exit codes, test results, as executed. */
  verification: string;
}

export const CRITIC_SYSTEM_PROMPT = `You are the Critic of a coding system. You review whether the changes solve the task.
You get the task, the plan, the final files and what was REALLY executed (commands, exit codes, test results).
Judge: does the code do what the task asks? Do the tests check the task's behaviour (not trivially pass)? Anything unsafe or missing?
Answer with ONE JSON object and nothing else: {"verdict": "PASS" | "FAIL", "reasons": ["short reason", ...]}`;

export const CRITIC_FORMAT_REMINDER = 'The format is one JSON object {"verdict": "PASS" or "FAIL", "reasons": [strings]}.';

export function buildCriticMessages(input: CriticInput): ChatMessage[] {
  const files = input.files.map((f) => `File: ${f.path}\n\`\`\`\n${f.content.length > 8_000 ? `${f.content.slice(0, 8_000)}\n[... cut]` : f.content}\n\`\`\``);
  return [
    { role: "system", content: CRITIC_SYSTEM_PROMPT },
    { role: "user", content: [`Task:\n${input.task}`, `Plan:\n${input.planSummary}`, ...files, `Execution:\n${input.verification}`].join("\n\n") },
  ];
}

export function parseVerdict(text: string): Parsed<Verdict> {
  const json = extractJson(text);
  if (!json.ok) return json;
  const parsed = ZVerdict.safeParse(json.value);
  if (!parsed.success) return { ok: false, error: `the verdict does not match the schema:\n${z.prettifyError(parsed.error)}` };
  return { ok: true, value: parsed.data };
}

export async function reviewRun(ctx: AgentContext, input: CriticInput): Promise<Verdict> {
  const { value } = await completeParsed(ctx, "critic", buildCriticMessages(input), parseVerdict, {
    json: true,
    what: "verdict",
    formatReminder: CRITIC_FORMAT_REMINDER,
  });
  return value;
}
