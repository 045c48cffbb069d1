import { AppError } from "@/server/errors";
import { usageOf } from "@/server/llm/create-llm-client";
import type { CallUsage, CompleteRequest, CompleteResult, LlmClient } from "@/server/llm/types";

export interface RunUsage {
  tokensIn: number;
  tokensOut: number;
  costUsd: number;
  calls: number;
}

export interface Budget {
  tokens: number;
  costUsd: number;
}

export class BudgetExceededError extends AppError {
  /** The usage of the call that crossed the budget (counted, then refused): its llm.call must still be recorded. */
  callUsage?: CallUsage;

  constructor(readonly kind: "tokens" | "cost", readonly limit: number, readonly used: number) {
    const what = kind === "tokens" ? `token budget of ${limit} tokens (used ${used})` : `cost budget of $${limit.toFixed(2)} (used $${used.toFixed(4)})`;
    super("TOO_MANY_REQUESTS", `The run reached its ${what}`, {
      userMessage: `The run stopped because it reached its ${what}. Raise the budget in settings or split the task.`,
    });
    this.name = "BudgetExceededError";
  }
}

/** Adds every call's usage to the run's total and refuses new calls once a budget is spent. */
export class MeteredLlm implements LlmClient {
  readonly usage: RunUsage = { tokensIn: 0, tokensOut: 0, costUsd: 0, calls: 0 };

  constructor(
    private readonly inner: LlmClient,
    private readonly budget: Budget,
    private readonly onExceeded: (error: BudgetExceededError) => void,
  ) {}

  exceeded(): BudgetExceededError | undefined {
    const tokens = this.usage.tokensIn + this.usage.tokensOut;
    if (tokens >= this.budget.tokens) return new BudgetExceededError("tokens", this.budget.tokens, tokens);
    if (this.usage.costUsd >= this.budget.costUsd) return new BudgetExceededError("cost", this.budget.costUsd, this.usage.costUsd);
    return undefined;
  }

  async complete(request: CompleteRequest): Promise<CompleteResult> {
    const before = this.exceeded();
    if (before) throw before;
    let result: CompleteResult;
    try {
      result = await this.inner.complete(request);
    } catch (error) {
      // A call that failed after attempts that produced text still consumed tokens.
      const spent = usageOf(error);
      if (spent) this.add(spent);
      throw error;
    }
    this.add(result.usage);
    const after = this.exceeded();
    if (after) {
      after.callUsage = result.usage;
      this.onExceeded(after);
      throw after;
    }
    return result;
  }

  private add(usage: CallUsage): void {
    this.usage.tokensIn += usage.tokensIn;
    this.usage.tokensOut += usage.tokensOut;
    this.usage.costUsd += usage.costUsd;
    this.usage.calls += 1;
  }
}
