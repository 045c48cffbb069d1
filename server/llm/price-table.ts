import { z } from "zod";
import { AppError } from "@/server/errors";

/** USD per million tokens. */
export interface ModelPrice {
  input: number;
  output: number;
}
export type PriceTable = Record<string, ModelPrice>;

/** List prices at the time of writing; LLM_PRICES overrides or extends them without a release. */
export const BUILT_IN_PRICES: PriceTable = {
  "gpt-4o": { input: 2.5, output: 10 },
  "gpt-4o-mini": { input: 0.15, output: 0.6 },
  "gpt-4.1": { input: 2, output: 8 },
  "gpt-4.1-mini": { input: 0.4, output: 1.6 },
  "o3-mini": { input: 1.1, output: 4.4 },
  "deepseek-chat": { input: 0.27, output: 1.1 },
  "deepseek-reasoner": { input: 0.55, output: 2.19 },
  "deepseek-coder": { input: 0, output: 0 },
  "claude-sonnet-4-5": { input: 3, output: 15 },
  "claude-3-5-haiku": { input: 0.8, output: 4 },
  "llama-3.3-70b-versatile": { input: 0.59, output: 0.79 },
};

const ZPriceTable = z.record(z.string(), z.object({ input: z.number().min(0), output: z.number().min(0) }));

export function parsePriceTable(json: string | undefined): PriceTable {
  if (json === undefined) return { ...BUILT_IN_PRICES };
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (error) {
    throw new AppError("BAD_REQUEST", `LLM_PRICES is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  const parsed = ZPriceTable.safeParse(raw);
  if (!parsed.success) {
    throw new AppError("BAD_REQUEST", `LLM_PRICES must map model names to { input, output } USD per million tokens`);
  }
  return { ...BUILT_IN_PRICES, ...parsed.data };
}

/** Exact name first, then without a provider prefix ("anthropic/claude-sonnet-4-5" -> "claude-sonnet-4-5"). */
export function findPrice(prices: PriceTable, model: string): ModelPrice | undefined {
  return prices[model] ?? prices[model.slice(model.lastIndexOf("/") + 1)];
}

export function costOf(prices: PriceTable, model: string, tokensIn: number, tokensOut: number): number {
  const price = findPrice(prices, model);
  if (!price) return 0;
  return (tokensIn * price.input + tokensOut * price.output) / 1_000_000;
}
