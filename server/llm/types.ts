/** The roles of the agents; each can use its own model, and every request says which role sent it. */
export const AGENT_ROLES = ["planner", "coder", "tester", "debugger", "critic"] as const;
export type AgentRole = (typeof AGENT_ROLES)[number];

export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

/** What one model call cost; recorded for every call, successful or not retried. */
export interface CallUsage {
  model: string;
  role: AgentRole;
  tokensIn: number;
  tokensOut: number;
  latencyMs: number;
  costUsd: number;
  /** Requests sent for this call, 1 when the first one succeeded. */
  attempts: number;
  /** True when the server sent no usage and the token counts were estimated from characters. */
  estimated: boolean;
  /** False when the price table has no price for the model: costUsd is then 0 for want of a price, not free. */
  priced: boolean;
}

export interface DiscardNotice {
  /** The attempt whose partial answer was thrown away (1-based). */
  attempt: number;
  reason: string;
  discardedChars: number;
}

export interface CompleteRequest {
  role: AgentRole;
  runId: string;
  messages: ChatMessage[];
  /** Ask for a JSON object (response_format json_object). */
  json?: boolean;
  signal?: AbortSignal;
  onToken?: (token: string) => void;
  /** Called when a stream broke after tokens were delivered: the listener must drop what it got so far. */
  onDiscard?: (notice: DiscardNotice) => void;
}

export interface CompleteResult {
  text: string;
  finishReason: string;
  usage: CallUsage;
}

/** The one interface agents depend on; the real client speaks HTTP, unit tests pass a fake. */
export interface LlmClient {
  complete(request: CompleteRequest): Promise<CompleteResult>;
}
