import { z } from "zod";
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
  statusReason: z.string().nullable(),
  verdict: z.string().nullable(),
  tokensIn: z.number(),
  tokensOut: z.number(),
  costUsd: z.number(),
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
  verification: z.unknown().nullable(),
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
  queuedAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  task: { prompt: string };
}

export function toRunSummaryDto(run: RunRow): TRunSummaryDto {
  return {
    id: run.id,
    taskId: run.taskId,
    projectId: run.projectId,
    prompt: run.task.prompt,
    status: run.status,
    statusReason: run.statusReason,
    verdict: run.verdict,
    tokensIn: run.tokensIn,
    tokensOut: run.tokensOut,
    costUsd: run.costUsd,
    queuedAt: run.queuedAt,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
  };
}
