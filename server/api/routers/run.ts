import { tracked } from "@trpc/server";
import { z } from "zod";
import { requireRun } from "@/server/access/run-access";
import { cancelRun } from "@/server/runs/cancel-run";
import { getRun } from "@/server/runs/get-run";
import { listRuns, ZListRuns } from "@/server/runs/list-runs";
import { ZRunDto, ZRunSummaryDto } from "@/server/runs/run-dto";
import { getRunDiff, getRunFile, getRunTree, mergeRunIntoProject } from "@/server/runs/run-git";
import { ZDiffPatches, ZRunId } from "@/server/runs/run-schemas";
import { withLargePatchesHeld } from "@/server/git";
import { ZIndependentRun } from "@/server/runs/events/contract";
import { reverifyRun } from "@/server/runs/reverify-run";
import { rerun } from "@/server/runs/start-run";
import { streamRunChanges } from "@/server/runs/stream-run-changes";
import { streamRunEvents } from "@/server/runs/stream-run-events";
import { compactPageLog } from "@/server/runs/events/page-log";
import { pageRunEvents } from "@/server/runs/run-events";
import { requireProject } from "@/server/access/project-access";
import { listThread, ZThreadDto } from "@/server/threads/list-thread";
import { listTurnOutput, ZTurnOutputDto } from "@/server/threads/turn-output";
import { getPullRequest, openPullRequest, pushRun, ZOpenPullRequest, ZPullRequestDto } from "@/server/delivery/open-pull-request";
import { approvePlan, rejectPlan, ZApprovePlan, ZRejectPlan } from "@/server/plan-review/review-plan";
import { createTRPCRouter, protectedProcedure } from "../trpc";

export const ZRunEventDto = z.object({ seq: z.number(), type: z.string(), payload: z.record(z.string(), z.unknown()), createdAt: z.date() });

export const runRouter = createTRPCRouter({
  byId: protectedProcedure.input(ZRunId).output(ZRunDto).query(({ ctx, input }) => getRun({ db: ctx.db, userId: ctx.userId, runId: input.runId })),

  list: protectedProcedure
    .input(ZListRuns)
    .output(z.object({ runs: z.array(ZRunSummaryDto), nextCursor: z.string().nullable() }))
    .query(({ ctx, input }) => listRuns({ db: ctx.db, userId: ctx.userId, input })),

  /**
   * The start of the run's log (up to PAGE_LOG_EVENTS) for a page's first render, with text the page would not show
   * cut (compactPageLog); run.events follows on from its last seq and carries every event whole.
   */
  log: protectedProcedure.input(ZRunId).query(async ({ ctx, input }) => {
    await requireRun({ db: ctx.db, userId: ctx.userId, runId: input.runId, need: "read" });
    return compactPageLog(await pageRunEvents(ctx.db, input.runId));
  }),

  /** Every event of the run after lastEventId, then live ones; a reconnect resumes where it left off. */
  events: protectedProcedure
    .input(ZRunId.extend({ lastEventId: z.string().nullish() }))
    .subscription(async ({ ctx, input, signal }) => {
      // Checked before the stream opens: an error thrown inside the generator would bypass the error mapping.
      await requireRun({ db: ctx.db, userId: ctx.userId, runId: input.runId, need: "read" });
      const afterSeq = Number(input.lastEventId ?? 0) || 0;
      return (async function* () {
        for await (const event of streamRunEvents({ db: ctx.db, runId: input.runId, afterSeq, signal })) yield tracked(String(event.seq), event);
      })();
    }),

  /** The history's push channel: a run's summary row whenever its status, times or usage change. */
  changes: protectedProcedure.input(z.object({ projectId: z.string().min(1).max(64).optional() })).subscription(async function* ({ ctx, input, signal }) {
    if (input.projectId) await requireProject({ db: ctx.db, userId: ctx.userId, projectId: input.projectId, need: "read" });
    for await (const row of streamRunChanges({ db: ctx.db, userId: ctx.userId, projectId: input.projectId, signal })) yield ZRunSummaryDto.parse(row);
  }),

  /** The run's conversation: every turn in order (follow-ups are new runs in the same thread). */
  thread: protectedProcedure.input(ZRunId).output(ZThreadDto).query(async ({ ctx, input }) => {
    const run = await requireRun({ db: ctx.db, userId: ctx.userId, runId: input.runId, need: "read" });
    return listThread({ db: ctx.db, runId: run.id });
  }),

  /** A turn's agents' output (one pane per step and agent, the end of each), for the thread's folded turns. */
  turnOutput: protectedProcedure
    .input(ZRunId)
    .output(ZTurnOutputDto)
    .query(async ({ ctx, input }) => {
      const run = await requireRun({ db: ctx.db, userId: ctx.userId, runId: input.runId, need: "read" });
      return listTurnOutput({ db: ctx.db, runId: run.id });
    }),

  /** Plan review: approve the plan waiting for review, as is or edited (checked with the planner's plan schema); the run continues. */
  approvePlan: protectedProcedure
    .input(ZApprovePlan)
    .output(z.object({ status: z.literal("QUEUED"), edited: z.boolean(), steps: z.number() }))
    .mutation(({ ctx, input }) => approvePlan({ db: ctx.db, userId: ctx.userId, input })),

  /** Plan review: reject the plan; the run ends cancelled with the reason, nothing having run. */
  rejectPlan: protectedProcedure
    .input(ZRejectPlan)
    .output(z.object({ status: z.literal("CANCELLED") }))
    .mutation(({ ctx, input }) => rejectPlan({ db: ctx.db, userId: ctx.userId, input })),

  /** Pushes the run's branch to the project's remote (its token only; the host's credentials never); a verified follow-up also updates the earlier turn's open pull request. */
  push: protectedProcedure
    .input(ZRunId)
    .output(z.object({ branch: z.string(), commit: z.string(), remote: z.string(), pullRequest: ZPullRequestDto.nullable() }))
    .mutation(({ ctx, input }) => pushRun({ db: ctx.db, userId: ctx.userId, runId: input.runId })),

  /** Pushes and opens a GitHub pull request / GitLab merge request with the verification record; unverified runs need `force`. */
  openPullRequest: protectedProcedure
    .input(ZOpenPullRequest)
    .output(ZPullRequestDto)
    .mutation(({ ctx, input }) => openPullRequest({ db: ctx.db, userId: ctx.userId, input })),

  /** The run's pull request and its state as the forge has it now; null when none was opened. */
  pullRequest: protectedProcedure
    .input(ZRunId)
    .output(ZPullRequestDto.nullable())
    .query(({ ctx, input }) => getPullRequest({ db: ctx.db, userId: ctx.userId, runId: input.runId })),

  cancel: protectedProcedure
    .input(ZRunId)
    .output(z.object({ status: z.string() }))
    .mutation(({ ctx, input }) => cancelRun({ db: ctx.db, userId: ctx.userId, runId: input.runId })),

  /** Runs the task again; with `prompt`, the edited prompt instead (the context files stay). */
  rerun: protectedProcedure
    .input(ZRunId.extend({ prompt: z.string().max(1_000_000).optional() }))
    .output(z.object({ taskId: z.string(), runId: z.string() }))
    .mutation(({ ctx, input }) => rerun({ db: ctx.db, userId: ctx.userId, runId: input.runId, prompt: input.prompt })),

  diff: protectedProcedure
    .input(ZRunId.merge(ZDiffPatches))
    .query(async ({ ctx, input }) => {
      const diff = await getRunDiff({ db: ctx.db, userId: ctx.userId, runId: input.runId });
      return diff && input.patches === "open" ? withLargePatchesHeld(diff) : diff;
    }),
  /** The branch's files (the page's file tree) and one file's text. */
  files: protectedProcedure.input(ZRunId).query(({ ctx, input }) => getRunTree({ db: ctx.db, userId: ctx.userId, runId: input.runId })),
  file: protectedProcedure
    .input(ZRunId.extend({ path: z.string().min(1).max(1024) }))
    .query(({ ctx, input }) => getRunFile({ db: ctx.db, userId: ctx.userId, runId: input.runId, path: input.path })),

  /** The independent re-verification of the finished run's branch head, again; its record is appended to the log and returned. */
  reverify: protectedProcedure
    .input(ZRunId)
    .output(ZIndependentRun)
    .mutation(({ ctx, input }) => reverifyRun({ db: ctx.db, userId: ctx.userId, runId: input.runId })),

  /** Plain merge only for a verified run; anything else needs `force: true` (recorded in the run's log with who). */
  merge: protectedProcedure
    .input(ZRunId.extend({ force: z.boolean().default(false) }))
    .mutation(({ ctx, input }) => mergeRunIntoProject({ db: ctx.db, userId: ctx.userId, runId: input.runId, force: input.force })),
});
