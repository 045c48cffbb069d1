import { completeParsed, type AgentContext, type Parsed } from "@/server/agents/agent-context";
import { blockToEdit, type FileEdit } from "@/server/agents/file-edit";
import { parseFencedBlocks } from "@/server/agents/parse-model-output";
import type { FileText } from "@/server/agents/planner";
import type { ChatMessage } from "@/server/llm/types";

/** What really happened in the sandbox, as the debugger sees it. */
export interface ExecutionForModel {
  command: string;
  exitCode: number | null;
  timedOut: boolean;
  oomKilled: boolean;
  stdout: string;
  stderr: string;
  failures: { name: string; message: string }[];
  failureReason?: string;
}

export interface DebuggerInput {
  task: string;
  step: { id: string; description: string };
  codePath: string;
  testPath: string;
  files: FileText[];
  execution: ExecutionForModel;
  attempt: number;
  maxAttempts: number;
  /** The repository's language, test framework, test command and test layout (server/orchestrator/test-layout). */
  repository?: string;
}

export interface DebuggerOutput {
  edits: FileEdit[];
  /** True when the debugger changed the tests; reported in the verification summary. */
  changedTests: boolean;
  /** The one-line reason the debugger gave above the test file's block (the prompt asks for it). */
  testReason?: string;
}

/** The non-empty line above the "File: <testPath>" line, the debugger's stated reason for changing a test. */
export function testChangeReason(text: string, testPath: string): string | undefined {
  const lines = text.split(/\r?\n/);
  const at = lines.findIndex((line) => line.replace(/[*`#]/g, "").trim() === `File: ${testPath}`);
  for (let i = at - 1; i >= 0; i--) {
    const line = lines[i]!.trim();
    if (line.startsWith("```")) break;
    if (line) return line.slice(0, 300);
  }
  return undefined;
}

export const DEBUGGER_SYSTEM_PROMPT = `You are the Debugger of a coding system. Tests were REALLY run in a sandbox and failed; you get the code, the tests and the real output.
Find the cause and fix the CODE. Change the tests only if a test is provably wrong (it contradicts the task); say why in one line before its block.
Answer with one block per file you change, each preceded by a line "File: <path>":
File: calc.py
\`\`\`python
<complete new content>
\`\`\`
(or a \`\`\`diff block with a unified diff). Only the files shown to you may be changed.`;

export const DEBUGGER_FORMAT_REMINDER = 'The format is, per changed file, a line "File: <path>" followed by ONE fenced block (full content, or a ```diff unified diff).';

const tail = (text: string, max: number) => (text.length > max ? `[... ${text.length - max} earlier characters cut]\n${text.slice(-max)}` : text);

export function describeExecution(execution: ExecutionForModel): string {
  const lines = [`Command: ${execution.command}`, `Exit code: ${execution.exitCode ?? "none (killed)"}`];
  if (execution.timedOut) lines.push("The run TIMED OUT and was killed (look for infinite loops or blocking calls).");
  if (execution.oomKilled) lines.push("The run was killed for using too much MEMORY.");
  if (execution.failureReason) lines.push(`Reason: ${execution.failureReason}`);
  if (execution.failures.length) {
    lines.push("Failing tests:", ...execution.failures.slice(0, 20).map((f) => `- ${f.name}: ${tail(f.message, 800)}`));
  }
  lines.push(`stdout:\n${tail(execution.stdout, 6_000) || "(empty)"}`, `stderr:\n${tail(execution.stderr, 3_000) || "(empty)"}`);
  return lines.join("\n");
}

export function buildDebuggerMessages(input: DebuggerInput): ChatMessage[] {
  const parts = [
    ...(input.repository ? [input.repository] : []),
    `Overall task:\n${input.task}`,
    `Step (${input.step.id}): ${input.step.description}`,
    ...input.files.map((f) => `File: ${f.path}\n\`\`\`\n${f.content}\n\`\`\``),
    `Sandbox result (attempt ${input.attempt} of ${input.maxAttempts}):\n${describeExecution(input.execution)}`,
  ];
  return [
    { role: "system", content: DEBUGGER_SYSTEM_PROMPT },
    { role: "user", content: parts.join("\n\n") },
  ];
}

export function parseDebuggerAnswer(text: string, allowed: { path: string; exists: boolean }[]): Parsed<FileEdit[]> {
  const blocks = parseFencedBlocks(text);
  if (!blocks.ok) return blocks;
  if (blocks.value.length === 0) return { ok: false, error: "the answer has no fenced code block" };
  const paths = allowed.map((a) => a.path);
  const edits: FileEdit[] = [];
  for (const [index, block] of blocks.value.entries()) {
    // A single unnamed block can only mean the code file.
    const path = block.path ?? (blocks.value.length === 1 ? paths[0] : undefined);
    if (!path) return { ok: false, error: `code block ${index + 1} has no "File: <path>" line above it` };
    const target = allowed.find((a) => a.path === path);
    if (!target) return { ok: false, error: `${path} may not be changed in this step; allowed: ${paths.join(", ")}` };
    if (edits.some((e) => e.path === path)) return { ok: false, error: `${path} has more than one block; send one per file` };
    const edit = blockToEdit(block, path, target.exists);
    if (!edit.ok) return edit;
    edits.push(edit.value);
  }
  return { ok: true, value: edits };
}

export async function debugFailure(ctx: AgentContext, input: DebuggerInput): Promise<DebuggerOutput> {
  const allowed = [input.codePath, input.testPath].map((path) => ({ path, exists: input.files.some((f) => f.path === path) }));
  let answer = "";
  const { value } = await completeParsed(ctx, "debugger", buildDebuggerMessages(input), (text) => parseDebuggerAnswer((answer = text), allowed), {
    what: "fix",
    formatReminder: DEBUGGER_FORMAT_REMINDER,
  });
  const changedTests = value.some((e) => e.path === input.testPath);
  return { edits: value, changedTests, ...(changedTests ? { testReason: testChangeReason(answer, input.testPath) ?? "no reason given" } : {}) };
}
