import { AppError } from "@/server/errors";
import type { AgentRole, ChatMessage, DiscardNotice, LlmClient } from "@/server/llm/types";

/** What an agent needs to talk to its model; no Docker, database or filesystem. */
export interface AgentContext {
  llm: LlmClient;
  runId: string;
  signal?: AbortSignal;
  onToken?: (role: AgentRole, token: string) => void;
  onDiscard?: (role: AgentRole, notice: DiscardNotice) => void;
  /** Told when an answer was unusable and the precise error was sent back for one more try. */
  onRepair?: (role: AgentRole, error: string) => void;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

const MAX_ECHOED_ANSWER = 4_000;

/**
 * Ask, parse, and on a parse error send the error back once (the answer stays in the conversation so the
 * model can see what it wrote); a second unusable answer is a clear failure.
 */
export async function completeParsed<T>(
  ctx: AgentContext,
  role: AgentRole,
  messages: ChatMessage[],
  parse: (text: string) => Parsed<T>,
  options: { json?: boolean; what: string; formatReminder: string },
): Promise<{ value: T; text: string; repaired: boolean }> {
  const ask = async (conversation: ChatMessage[]) =>
    (
      await ctx.llm.complete({
        role,
        runId: ctx.runId,
        messages: conversation,
        json: options.json,
        signal: ctx.signal,
        onToken: ctx.onToken && ((token) => ctx.onToken!(role, token)),
        onDiscard: ctx.onDiscard && ((notice) => ctx.onDiscard!(role, notice)),
      })
    ).text;

  const first = await ask(messages);
  const parsed = parse(first);
  if (parsed.ok) return { value: parsed.value, text: first, repaired: false };

  ctx.onRepair?.(role, parsed.error);
  const echoed = first.length > MAX_ECHOED_ANSWER ? `${first.slice(0, MAX_ECHOED_ANSWER)}\n[... cut ...]` : first;
  const second = await ask([
    ...messages,
    { role: "assistant", content: echoed || "(empty answer)" },
    {
      role: "user",
      content: `Your answer could not be used: ${parsed.error}\n\n${options.formatReminder}\nAnswer again, in that format only.`,
    },
  ]);
  const reparsed = parse(second);
  if (reparsed.ok) return { value: reparsed.value, text: second, repaired: true };
  throw new AppError("INTERNAL", `The ${role} gave no usable ${options.what} twice: ${reparsed.error}`, {
    userMessage: `The ${role} model did not produce a usable ${options.what} (${reparsed.error}). Try again, or pick a stronger model for the ${role} in settings.`,
  });
}
