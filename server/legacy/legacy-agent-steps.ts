import { randomUUID } from "node:crypto";
import { reviewRun } from "@/server/agents/critic";
import { planTask, type FileText } from "@/server/agents/planner";
import type { Db } from "@/server/db/client";
import { env } from "@/server/env";
import { toPublicError } from "@/server/errors";
import { readFile } from "@/server/git";
import { createLlmClient } from "@/server/llm/create-llm-client";
import { resolveModelSettings } from "@/server/llm/resolve-model-settings";
import { userOverrides } from "@/server/runs/execute-run";
import type { TLegacyAdviceStep } from "./legacy-input";
import type { LegacyParallelResult } from "./legacy-results";

/**
 * run_parallel's planner and critic steps (the OpenCode plugin's plan and critic tools send them; the original
 * answered null): the Planner's plan for the step's description, the Critic's verdict on the context files.
 * They only ask the model, with the caller's model settings, and change nothing in the project.
 */
export async function answerAdviceSteps(options: {
  db: Db;
  userId: string;
  repoPath: string;
  contextFiles: string[];
  steps: TLegacyAdviceStep[];
  signal?: AbortSignal;
}): Promise<LegacyParallelResult[]> {
  if (options.steps.length === 0) return [];
  const llm = createLlmClient({ settings: resolveModelSettings(env(), await userOverrides(options.db, options.userId)) });
  const ctx = { llm, runId: `legacy-${randomUUID()}`, signal: options.signal };
  const files: FileText[] = [];
  for (const path of options.contextFiles) {
    const file = await readFile({ repoPath: options.repoPath, path }).catch(() => null);
    if (file && !file.binary) files.push({ path, content: file.content });
  }
  return Promise.all(
    options.steps.map(async (step): Promise<LegacyParallelResult> => {
      const description = step.description ?? "";
      try {
        if (step.agent === "planner") {
          const { plan } = await planTask(ctx, { task: description || "Plan the work on these files.", contextFiles: files, memories: [], snippets: [] });
          return plan;
        }
        const verdict = await reviewRun(ctx, {
          task: description || "Review these files.",
          planSummary: "(no plan: a review of the files as they are)",
          files,
          verification: "Nothing was executed for this review.",
        });
        return { verdict: verdict.verdict, reasons: verdict.reasons };
      } catch (error) {
        return { step: description || step.agent, output: null, type: "skipped", reason: toPublicError(error, "legacy-api").message };
      }
    }),
  );
}
