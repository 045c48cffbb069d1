import { z } from "zod";
import { safeRelativePath } from "@/server/editing/safe-relative-path";
import { ZPlan } from "@/server/agents/plan";

export const MAX_CONTEXT_FILES = 50;

export const ZRelativePath = z
  .string()
  .trim()
  .min(1)
  .max(1024)
  // Context files are repository paths: nothing absolute, no parent hops, nothing inside .git (the one rule).
  .refine((p) => safeRelativePath(p).ok, "Use a path inside the repository.");

export const ZStartTask = z.object({
  projectId: z.string().min(1).max(64),
  prompt: z.string(),
  contextFiles: z.array(ZRelativePath).max(MAX_CONTEXT_FILES, `Choose at most ${MAX_CONTEXT_FILES} context files.`).default([]),
  tokenBudget: z.number().int().min(1000).max(50_000_000).optional(),
  costBudgetUsd: z.number().min(0).max(10_000).optional(),
  /** A fixed plan: the steps run as given, without the Planner. */
  plan: ZPlan.optional(),
  /** Stop after planning until the plan is approved; absent: the project's default (requirePlanApproval). */
  reviewPlan: z.boolean().optional(),
});
export type TStartTask = z.input<typeof ZStartTask>;

export const ZRunId = z.object({ runId: z.string().min(1).max(64) });

/** "open": the patches a page shows open at first; a file it shows collapsed comes with `held: true` and no patch. */
export const ZDiffPatches = z.object({ patches: z.enum(["all", "open"]).default("all") });

export const RUN_STATUSES = ["QUEUED", "RUNNING", "AWAITING_APPROVAL", "SUCCEEDED", "FAILED", "CANCELLED", "INTERRUPTED"] as const;
