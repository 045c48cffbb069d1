import { completeParsed, type AgentContext } from "@/server/agents/agent-context";
import { blockToEdit, type FileEdit } from "@/server/agents/file-edit";
import { parseFencedBlocks } from "@/server/agents/parse-model-output";
import type { FileText } from "@/server/agents/planner";
import type { ChatMessage } from "@/server/llm/types";

export interface CoderInput {
  task: string;
  /** interface: the planned public names and signatures; the tester writes its tests from them at the same time. */
  step: { id: string; description: string; file: string; interface?: string };
  /** The file's current content, or null when it does not exist yet. */
  currentContent: string | null;
  /** Other files worth seeing (attached files, files written by earlier steps, repository snippets). */
  relatedFiles: FileText[];
  /** Set when the previous edit failed to apply; the coder sees its edit and why it failed. */
  previousFailure?: { edit: FileEdit; error: string };
  /** The repository's language, test framework, test command and test layout (server/orchestrator/test-layout). */
  repository?: string;
}

export const CODER_SYSTEM_PROMPT = `You are the Coder of a coding system. You write one file per answer.
- For a NEW file: answer with the complete file content in ONE fenced code block, e.g. \`\`\`python ... \`\`\`.
- For an EXISTING file (its current content is shown): answer with ONE unified diff in a \`\`\`diff block
  (--- a/path, +++ b/path, @@ hunks with 3 lines of context copied exactly), or, for large rewrites, the complete new content.
Write working, idiomatic code with error handling for bad input. No explanations outside the block are needed; never use placeholders like "rest unchanged".`;

export const CODER_FORMAT_REMINDER = "The format is exactly ONE fenced code block: the full file content, or a unified diff in a ```diff block for an existing file.";

const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max)}\n[... cut]` : text);

export function buildCoderMessages(input: CoderInput): ChatMessage[] {
  const parts = [...(input.repository ? [input.repository] : []), `Overall task:\n${input.task}`, `Your step (${input.step.id}): ${input.step.description}`, `File: ${input.step.file}`];
  if (input.step.interface) parts.push(`Planned interface (the tests are written against it, so keep these names and signatures exactly):\n\`\`\`\n${input.step.interface}\n\`\`\``);
  parts.push(
    input.currentContent === null
      ? "The file does not exist yet: write its full content."
      : `Current content of ${input.step.file}:\n\`\`\`\n${input.currentContent}\n\`\`\``,
  );
  if (input.relatedFiles.length) {
    parts.push(`Related files:\n${input.relatedFiles.map((f) => `From ${f.path}:\n\`\`\`\n${clip(f.content, 3_000)}\n\`\`\``).join("\n\n")}`);
  }
  const messages: ChatMessage[] = [
    { role: "system", content: CODER_SYSTEM_PROMPT },
    { role: "user", content: parts.join("\n\n") },
  ];
  if (input.previousFailure) {
    const { edit, error } = input.previousFailure;
    messages.push(
      { role: "assistant", content: edit.kind === "patch" ? `\`\`\`diff\n${edit.diff}\`\`\`` : `\`\`\`\n${edit.content}\`\`\`` },
      { role: "user", content: `That edit could not be applied: ${error}\nSend a corrected edit.` },
    );
  }
  return messages;
}

/** Picks the single code block of an answer (the one naming the file if several). */
export function parseCoderAnswer(text: string, file: string, fileExists: boolean) {
  const blocks = parseFencedBlocks(text);
  if (!blocks.ok) return blocks;
  if (blocks.value.length === 0) return { ok: false as const, error: "the answer has no fenced code block" };
  const named = blocks.value.filter((b) => b.path === file);
  const block = named.length === 1 ? named[0]! : blocks.value.length === 1 ? blocks.value[0]! : undefined;
  if (!block) return { ok: false as const, error: `the answer has ${blocks.value.length} code blocks; send exactly one, for ${file}` };
  return blockToEdit(block, file, fileExists);
}

export async function writeCode(ctx: AgentContext, input: CoderInput): Promise<FileEdit> {
  const exists = input.currentContent !== null;
  const { value } = await completeParsed(ctx, "coder", buildCoderMessages(input), (text) => parseCoderAnswer(text, input.step.file, exists), {
    what: "code",
    formatReminder: CODER_FORMAT_REMINDER,
  });
  return value;
}
