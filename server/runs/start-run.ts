import { isActiveStatus } from "@/server/runs/events/run-status";
import { requireProject } from "@/server/access/project-access";
import { requireRun } from "@/server/access/run-access";
import type { Prisma } from "@/generated/prisma/client";
import { validatePlan } from "@/server/agents/plan";
import type { Db } from "@/server/db/client";
import { env } from "@/server/env";
import { AppError } from "@/server/errors";
import { readTree } from "@/server/git";
import { enqueueRun } from "@/server/runner/run-queue";
import { appendRunEvent } from "./run-events";
import { storablePayload } from "./storable-payload";
import { ZStartTask, type TStartTask } from "./run-schemas";

/** The given paths that are not regular files of the repository's default branch. */
export async function missingContextFiles(repoPath: string, files: string[]): Promise<string[]> {
  if (files.length === 0) return [];
  // Regular files only: a symlink could point anywhere on the server.
  const tree = new Set((await readTree({ repoPath })).filter((entry) => entry.kind === "file").map((entry) => entry.path));
  return files.filter((file) => !tree.has(file));
}

async function checkContextFiles(repoPath: string, files: string[]): Promise<void> {
  const missing = await missingContextFiles(repoPath, files);
  if (missing.length) throw new AppError("BAD_REQUEST", `Not in the repository: ${missing.slice(0, 5).join(", ")}. Pick context files from the project's tree.`);
}

/** The trimmed prompt, or a BAD_REQUEST saying what to fix (empty, unstorable text, over MAX_TASK_CHARS). */
export function checkPrompt(raw: string, extra: Record<string, unknown> = {}): string {
  const prompt = raw.trim();
  const max = env().MAX_TASK_CHARS;
  if (!prompt) throw new AppError("BAD_REQUEST", "Describe the task: the prompt is empty.");
  // The task is stored as text: a NUL byte or half a surrogate pair is refused here, not by the database.
  if (storablePayload({ prompt, ...extra }).escaped) {
    throw new AppError("BAD_REQUEST", "The task contains a NUL byte or invalid Unicode (an unpaired surrogate). Remove it and send the task again.");
  }
  if (prompt.length > max) {
    throw new AppError("BAD_REQUEST", `The task is ${prompt.length.toLocaleString("en")} characters; the limit is ${max.toLocaleString("en")} (MAX_TASK_CHARS). Shorten it or attach the details as context files.`);
  }
  return prompt;
}

/**
 * Creates a task and its first run, queued. The one entry point for the UI, the APIs and scripts. The
 * run.queued event records the queueing; the pg-boss job (on a Postgres server) is how a worker takes the run,
 * and on the embedded database the in-process runner hears run.queued itself (docs/workers.md).
 */
export async function startTask(options: { db: Db; userId: string; input: TStartTask }) {
  const parsed = ZStartTask.safeParse(options.input);
  if (!parsed.success) throw new AppError("BAD_REQUEST", parsed.error.issues[0]?.message ?? "Check the task.");
  const { projectId, contextFiles, tokenBudget, costBudgetUsd } = parsed.data;
  const prompt = checkPrompt(parsed.data.prompt, { contextFiles, plan: parsed.data.plan });
  const project = await requireProject({ db: options.db, userId: options.userId, projectId, need: "write" });
  const uniqueFiles = [...new Set(contextFiles)];
  await checkContextFiles(project.repoPath, uniqueFiles);
  const plan = parsed.data.plan ? validatePlan(parsed.data.plan) : undefined;
  if (plan && !plan.ok) throw new AppError("BAD_REQUEST", `The plan is not valid: ${plan.error}`);

  const { task, run } = await options.db.$transaction(async (tx) => {
    const task = await tx.task.create({ data: { projectId, authorId: options.userId, prompt, contextFiles: uniqueFiles, plan: plan ? (plan.value as unknown as Prisma.InputJsonObject) : undefined } });
    // A fixed plan is the caller's decision already: there is nothing to review.
    const planReview = !plan && (parsed.data.reviewPlan ?? project.requirePlanApproval);
    const run = await tx.run.create({ data: { taskId: task.id, projectId, tokenBudget, costBudgetUsd, planReview } });
    return { task, run };
  });
  await appendRunEvent(options.db, { runId: run.id, type: "run.queued", payload: { taskId: task.id, prompt, contextFiles: uniqueFiles } });
  await enqueueRun({ db: options.db, runId: run.id });
  return { taskId: task.id, runId: run.id };
}

/** Runs a finished run's task again, as a new run with the same context files and the same prompt, or an edited one (a new task). */
export async function rerun(options: { db: Db; userId: string; runId: string; prompt?: string }) {
  const previous = await requireRun({ ...options, need: "write" });
  if (isActiveStatus(previous.status)) {
    throw new AppError("CONFLICT", "This run is still going. Stop it first, or wait for it to finish.");
  }
  const edited = options.prompt === undefined ? undefined : checkPrompt(options.prompt);
  const task =
    edited !== undefined && edited !== previous.task.prompt
      ? await options.db.task.create({ data: { projectId: previous.projectId, authorId: options.userId, prompt: edited, contextFiles: previous.task.contextFiles, plan: previous.task.plan ?? undefined } })
      : previous.task;
  const run = await options.db.run.create({
    data: { taskId: task.id, projectId: previous.projectId, tokenBudget: previous.tokenBudget, costBudgetUsd: previous.costBudgetUsd, planReview: previous.planReview },
  });
  await appendRunEvent(options.db, {
    runId: run.id,
    type: "run.queued",
    payload: { taskId: task.id, prompt: task.prompt, contextFiles: task.contextFiles, rerunOf: previous.id },
  });
  await enqueueRun({ db: options.db, runId: run.id });
  return { taskId: task.id, runId: run.id };
}
