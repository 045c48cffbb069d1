import { isActiveStatus } from "@/server/runs/events/run-status";
import { z } from "zod";
import type { Prisma } from "@/generated/prisma/client";
import { validatePlan, ZPlan } from "@/server/agents/plan";
import { requireRun } from "@/server/access/run-access";
import type { Db } from "@/server/db/client";
import { AppError } from "@/server/errors";
import { enqueueRun } from "@/server/runner/run-queue";
import { appendRunEvent } from "@/server/runs/run-events";
import { checkPrompt } from "@/server/runs/start-run";

export const ZFollowUp = z.object({
  runId: z.string().min(1).max(64),
  prompt: z.string().max(1_000_000, "The follow-up is too long."),
  /** A fixed plan for this turn (the original /run_parallel's steps): run as given, without the Planner. */
  plan: ZPlan.optional(),
});
export type TFollowUp = z.input<typeof ZFollowUp>;

/** The id of the thread a run belongs to: its first turn's run id. */
export function threadIdOf(run: { id: string; threadId: string | null }): string {
  return run.threadId ?? run.id;
}

/**
 * Continues a finished run with a new message: a new task and run in the same thread, whose branch starts at
 * the previous turn's last commit and whose planner is given the conversation so far (server/threads/thread-conversation.ts).
 */
export async function followUp(options: { db: Db; userId: string; input: TFollowUp }) {
  const parsed = ZFollowUp.safeParse(options.input);
  if (!parsed.success) throw new AppError("BAD_REQUEST", parsed.error.issues[0]?.message ?? "Check the follow-up.");
  const previous = await requireRun({ db: options.db, userId: options.userId, runId: parsed.data.runId, need: "write" });
  const prompt = checkPrompt(parsed.data.prompt);
  const plan = parsed.data.plan ? validatePlan(parsed.data.plan) : undefined;
  if (plan && !plan.ok) throw new AppError("BAD_REQUEST", `The plan is not valid: ${plan.error}`);
  if (isActiveStatus(previous.status)) {
    throw new AppError("CONFLICT", "This run is still going. Wait for it to finish (or stop it), then write the follow-up.");
  }
  const threadId = threadIdOf(previous);
  const { task, run } = await options.db.$transaction(async (tx) => {
    // Serialises follow-ups of one thread: two at once would fork the conversation.
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`autocode-thread:${threadId}`}))`;
    const latest = await tx.run.findFirst({ where: { OR: [{ threadId }, { id: threadId }] }, orderBy: { createdAt: "desc" }, select: { id: true, status: true } });
    if (latest && latest.id !== previous.id) {
      throw new AppError("CONFLICT", `This is not the latest turn of the conversation. Follow up on run ${latest.id} instead.`);
    }
    if (previous.threadId === null) await tx.run.update({ where: { id: previous.id }, data: { threadId } });
    const task = await tx.task.create({ data: { projectId: previous.projectId, authorId: options.userId, prompt, contextFiles: previous.task.contextFiles, plan: plan ? (plan.value as unknown as Prisma.InputJsonObject) : undefined } });
    const run = await tx.run.create({
      data: { taskId: task.id, projectId: previous.projectId, tokenBudget: previous.tokenBudget, costBudgetUsd: previous.costBudgetUsd, threadId, parentRunId: previous.id, planReview: previous.planReview },
    });
    return { task, run };
  });
  await appendRunEvent(options.db, { runId: run.id, type: "run.queued", payload: { taskId: task.id, prompt, contextFiles: task.contextFiles, followUpOf: previous.id } });
  await enqueueRun({ db: options.db, runId: run.id });
  return { taskId: task.id, runId: run.id, threadId, parentRunId: previous.id };
}

/**
 * The original API's `parent_run_id` / `thread_id`: a follow-up on the named run, or on the latest turn of the
 * named thread. A thread id the caller cannot see is NOT_FOUND like any run (followUp checks access).
 */
export async function followUpByIds(options: { db: Db; userId: string; prompt: string; parentRunId?: string; threadId?: string; plan?: TFollowUp["plan"] }) {
  let runId = options.parentRunId;
  if (!runId && options.threadId) {
    const latest = await options.db.run.findFirst({ where: { OR: [{ threadId: options.threadId }, { id: options.threadId }] }, orderBy: { createdAt: "desc" }, select: { id: true } });
    runId = latest?.id ?? options.threadId;
  }
  return followUp({ db: options.db, userId: options.userId, input: { runId: runId ?? "", prompt: options.prompt, plan: options.plan } });
}
