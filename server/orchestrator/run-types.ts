import type { Verdict } from "@/server/agents/critic";
import type { Plan } from "@/server/agents/plan";
import { env } from "@/server/env";
import type { RunUsage } from "@/server/orchestrator/metered-llm";
import type { TCommandRecord, TStepOutcomeStatus, TTestRecord, TVerification } from "@/server/runs/events/contract";

export interface RunSettings {
  maxDebugAttempts: number;
  maxParallelWorkers: number;
  parallel: boolean;
  tokenBudget: number;
  costBudgetUsd: number;
  enableToolUse: boolean;
  memoryTopK: number;
  snippetsTopK: number;
  /** Per sandbox run; undefined leaves the sandbox's own SANDBOX_TIMEOUT. */
  sandboxTimeoutMs?: number;
  /** The tester waits for the coder and sees its code even for a new file: only the bench's comparison point. */
  testerAfterCoder?: boolean;
}

export function resolveRunSettings(overrides: Partial<RunSettings> = {}): RunSettings {
  const e = env();
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)) as Partial<RunSettings>;
  return {
    maxDebugAttempts: e.MAX_DEBUG_ATTEMPTS,
    maxParallelWorkers: e.MAX_PARALLEL_WORKERS,
    parallel: e.ENABLE_PARALLEL_EXECUTION,
    tokenBudget: e.RUN_TOKEN_BUDGET,
    costBudgetUsd: e.RUN_COST_BUDGET_USD,
    enableToolUse: e.ENABLE_TOOL_USE,
    memoryTopK: e.MEMORY_TOP_K,
    snippetsTopK: e.REPO_SNIPPETS_TOP_K,
    ...defined,
  };
}

export type StepStatus = TStepOutcomeStatus;

export interface StepOutcome {
  id: string;
  status: StepStatus;
  reason?: string;
  /** Sandbox runs of this step. */
  runs: number;
}

/** The shapes the run.finished event carries (server/runs/events/contract.ts). */
export type CommandRecord = TCommandRecord;
export type TestRecord = TTestRecord;
export type Verification = TVerification;

export interface RunOutcome {
  /** awaiting_approval: the run stopped after planning for review (plan review); it has not ended. */
  status: "succeeded" | "failed" | "cancelled" | "awaiting_approval";
  reason?: string;
  verdict: Verdict | null;
  verification: Verification;
  usage: RunUsage;
  plan: Plan | null;
  steps: StepOutcome[];
}
