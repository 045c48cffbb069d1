import { z } from "zod";
import type { Prisma } from "@/generated/prisma/client";
import { VERIFICATION_OUTCOMES, ZIndependentRun, ZVerification } from "./events/contract";
import { DISPLAY_STATUSES, displayStatus } from "./events/run-status";
import { RUN_STATUSES } from "./run-schemas";

export const ZStepDto = z.object({
  id: z.string(),
  planStepId: z.string(),
  order: z.number(),
  parallelGroup: z.number().nullable(),
  dependsOn: z.array(z.string()),
  agent: z.string(),
  description: z.string(),
  targetFile: z.string().nullable(),
  toolName: z.string().nullable(),
  status: z.enum(["PENDING", "RUNNING", "SUCCEEDED", "FAILED", "SKIPPED", "CANCELLED"]),
  attempts: z.number(),
  tokensIn: z.number(),
  tokensOut: z.number(),
  costUsd: z.number(),
  startedAt: z.date().nullable(),
  finishedAt: z.date().nullable(),
});

export const ZRunSummaryDto = z.object({
  id: z.string(),
  taskId: z.string(),
  projectId: z.string(),
  prompt: z.string(),
  status: z.enum(RUN_STATUSES),
  /** What every reader shows: a succeeded run whose outcome needs review is NEEDS_REVIEW (server/runs/events/run-status.ts). */
  displayStatus: z.enum(DISPLAY_STATUSES),
  outcome: z.enum(VERIFICATION_OUTCOMES).nullable(),
  debugRounds: z.number(),
  testsChangedByDebugger: z.array(z.string()),
  statusReason: z.string().nullable(),
  verdict: z.string().nullable(),
  tokensIn: z.number(),
  tokensOut: z.number(),
  costUsd: z.number(),
  /** Calls whose model has no known price: costUsd leaves them out. */
  unpricedCalls: z.number(),
  queuedAt: z.date(),
  startedAt: z.date().nullable(),
  finishedAt: z.date().nullable(),
});
export type TRunSummaryDto = z.infer<typeof ZRunSummaryDto>;

export const ZRunDto = ZRunSummaryDto.extend({
  projectName: z.string(),
  contextFiles: z.array(z.string()),
  branch: z.string().nullable(),
  baseCommit: z.string().nullable(),
  headCommit: z.string().nullable(),
  verification: ZVerification.nullable(),
  /** From the run's log (run.merged), so a reload shows the merge; null: never merged. */
  merged: z.object({ into: z.string(), commit: z.string(), kind: z.string(), forced: z.boolean() }).nullable(),
  /** "Re-verify" records from the run's log (verification.reverified), oldest first; one may be in progress. */
  reverifications: z.array(ZIndependentRun),
  reverifying: z.boolean(),
  /** What is not verified, in words (the merge confirmation names it); null for a verified run. */
  notVerified: z.string().nullable(),
  modelSettings: z.unknown(),
  lastSeq: z.number(),
  steps: z.array(ZStepDto),
  canWrite: z.boolean(),
});
export type TRunDto = z.infer<typeof ZRunDto>;

interface RunRow {
  id: string;
  taskId: string;
  projectId: string;
  status: TRunSummaryDto["status"];
  statusReason: string | null;
  verdict: string | null;
  tokensIn: number;
  tokensOut: number;
  costUsd: number;
  unpricedCalls?: number;
  queuedAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  verification?: Prisma.JsonValue | null;
  steps?: { attempts: number }[];
  task: { prompt: string };
}

/** The stored verification record, read through the contract (older shapes get their defaults). */
export function readVerification(value: Prisma.JsonValue | null | undefined): z.output<typeof ZVerification> | null {
  if (value == null) return null;
  const parsed = ZVerification.safeParse(value);
  return parsed.success ? parsed.data : null;
}

export function toRunSummaryDto(run: RunRow): TRunSummaryDto {
  const verification = readVerification(run.verification);
  return {
    id: run.id,
    taskId: run.taskId,
    projectId: run.projectId,
    prompt: run.task.prompt,
    status: run.status,
    displayStatus: displayStatus(run.status, verification?.outcome ?? (run.status === "SUCCEEDED" ? null : undefined)),
    outcome: verification?.outcome ?? null,
    debugRounds: (run.steps ?? []).reduce((sum, step) => sum + step.attempts, 0),
    testsChangedByDebugger: verification?.testsChangedByDebugger ?? [],
    statusReason: run.statusReason,
    verdict: run.verdict,
    tokensIn: run.tokensIn,
    tokensOut: run.tokensOut,
    costUsd: run.costUsd,
    unpricedCalls: run.unpricedCalls ?? 0,
    queuedAt: run.queuedAt,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
  };
}
