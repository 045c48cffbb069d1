import { completeParsed, type AgentContext } from "@/server/agents/agent-context";
import { parseFencedBlocks } from "@/server/agents/parse-model-output";
import type { ChatMessage } from "@/server/llm/types";

export interface TesterInput {
  task: string;
  /** interface: the planner's public names and signatures for the file. */
  step: { id: string; description: string; interface?: string };
  /** The file under test and its content; null for a new file the coder is writing at the same time (never shown). */
  codePath: string;
  code: string | null;
  /** Tests already in the repository for this module, if any, to extend rather than replace. */
  existingTests: string | null;
  /** Where the tests go (chosen by the orchestrator where the repository keeps its tests); default beside the module. */
  testPath?: string;
  /** The repository's language, framework, test command and layout, as lines for the prompt. */
  repository?: string;
  framework?: "pytest" | "vitest" | "jest" | "node:test" | "none";
}

/** test_<module>.py next to the module: pytest's default import mode puts that folder on sys.path. */
export function testPathFor(codePath: string): string {
  const slash = codePath.lastIndexOf("/");
  const dir = slash === -1 ? "" : codePath.slice(0, slash + 1);
  const base = codePath.slice(slash + 1).replace(/\.py$/, "");
  return base.startsWith("test_") ? codePath : `${dir}test_${base}.py`;
}

export function moduleNameOf(codePath: string): string {
  return codePath.slice(codePath.lastIndexOf("/") + 1).replace(/\.py$/, "");
}

export const TESTER_SYSTEM_PROMPT = `You are the Tester of a coding system. You write a pytest test file for one Python module.
- Import the module by its name (it sits in the same folder as the test file), e.g. \`from calc import add\`.
- Cover normal cases, edge cases (empty input, zero, negative, large values, boundaries) and the exceptions the code should raise (pytest.raises).
- Tests must be deterministic: no network, no sleeping, no randomness without a seed.
- Test the behaviour the task asks for, not implementation details.
- For a NEW module you do not see its code: it is being written at the same time from the same step. Write the tests from the task, the step and its planned interface, calling exactly the names and signatures given there.
Answer with the complete test file in ONE \`\`\`python code block.`;

export const TESTER_FORMAT_REMINDER = "The format is exactly ONE ```python code block with the complete pytest file.";

/** The same contract for a Node.js/TypeScript repository: its framework, a module imported by relative path. */
export function jsTesterSystemPrompt(framework: string): string {
  const api =
    framework === "node:test"
      ? "`import { test } from 'node:test'` and `import assert from 'node:assert/strict'`"
      : framework === "jest"
        ? "jest's globals (`describe`, `it`, `expect`)"
        : "`import { describe, it, expect } from 'vitest'`";
  return `You are the Tester of a coding system. You write a ${framework} test file for one module of a Node.js/TypeScript repository.
- Use ${api}.
- Import the module under test by its path relative to the test file, without the extension, e.g. \`import { add } from './calc'\`.
- Cover normal cases, edge cases (empty input, zero, negative, large values, boundaries) and the errors the code should throw.
- Tests must be deterministic: no network, no sleeping, no randomness without a seed.
- Test the behaviour the task asks for, not implementation details.
- For a NEW module you do not see its code: it is being written at the same time from the same step. Write the tests from the task, the step and its planned interface, calling exactly the names and signatures given there.
Answer with the complete test file in ONE \`\`\`ts code block.`;
}

const isJs = (input: TesterInput) => input.framework !== undefined && input.framework !== "pytest" && input.framework !== "none";

/** A new module: what the planner promised, never the coder's code (the tests are an independent check, not fitted to it). */
function newModuleText(input: TesterInput, js: boolean): string {
  const name = js ? "" : ` (import it as \`${moduleNameOf(input.codePath)}\`)`;
  const planned = input.step.interface
    ? `Planned interface:\n\`\`\`\n${input.step.interface}\n\`\`\``
    : "The planner gave no interface: use the names and signatures the task and the step give.";
  return `Module under test: ${input.codePath}${name}. It is a NEW module, being written right now by the Coder from the same step; you do not see its code.\n${planned}`;
}

export function buildTesterMessages(input: TesterInput): ChatMessage[] {
  const path = input.testPath ?? testPathFor(input.codePath);
  const js = isJs(input);
  const parts = [
    ...(input.repository ? [input.repository] : []),
    `Overall task:\n${input.task}`,
    `Step (${input.step.id}): ${input.step.description}`,
    input.code === null ? newModuleText(input, js) : js
      ? `Module under test: ${input.codePath}\n\`\`\`ts\n${input.code}\n\`\`\``
      : `Module under test: ${input.codePath} (import it as \`${moduleNameOf(input.codePath)}\`)\n\`\`\`python\n${input.code}\n\`\`\``,
    `File: ${path}`,
  ];
  if (input.existingTests !== null) parts.push(`Existing tests in ${path}, keep what still applies:\n\`\`\`python\n${input.existingTests}\n\`\`\``);
  return [
    { role: "system", content: js ? jsTesterSystemPrompt(input.framework!) : TESTER_SYSTEM_PROMPT },
    { role: "user", content: parts.join("\n\n") },
  ];
}

export function parseTesterAnswer(text: string) {
  const blocks = parseFencedBlocks(text);
  if (!blocks.ok) return blocks;
  const python = blocks.value.filter((b) => b.lang === "python" || b.lang === "py" || b.lang === "");
  if (python.length !== 1) return { ok: false as const, error: `expected one python code block, found ${python.length}` };
  const body = python[0]!.body;
  if (!/^\s*(async\s+)?def test_\w*\s*\(|^\s*class Test\w*/m.test(body)) {
    return { ok: false as const, error: "the file defines no pytest test (no `def test_...` function or `class Test...`)" };
  }
  return { ok: true as const, value: body };
}

export function parseJsTesterAnswer(text: string) {
  const blocks = parseFencedBlocks(text);
  if (!blocks.ok) return blocks;
  const code = blocks.value.filter((b) => ["ts", "typescript", "js", "javascript", "tsx", "jsx", ""].includes(b.lang));
  if (code.length !== 1) return { ok: false as const, error: `expected one ts code block, found ${code.length}` };
  const body = code[0]!.body;
  if (!/\b(it|test)\s*\(/.test(body)) return { ok: false as const, error: "the file defines no test (no `it(...)` or `test(...)` call)" };
  return { ok: true as const, value: body };
}

export async function writeTests(ctx: AgentContext, input: TesterInput): Promise<{ path: string; content: string }> {
  const js = isJs(input);
  const { value } = await completeParsed(ctx, "tester", buildTesterMessages(input), js ? parseJsTesterAnswer : parseTesterAnswer, {
    what: "test file",
    formatReminder: js ? "The format is exactly ONE ```ts code block with the complete test file." : TESTER_FORMAT_REMINDER,
  });
  return { path: input.testPath ?? testPathFor(input.codePath), content: value };
}
