import { tracked } from "@trpc/server";
import { z } from "zod";
import { requireRun } from "@/server/access/run-access";
import { cancelRun } from "@/server/runs/cancel-run";
import { getRun } from "@/server/runs/get-run";
import { listRuns, ZListRuns } from "@/server/runs/list-runs";
import { ZRunDto, ZRunSummaryDto } from "@/server/runs/run-dto";
import { getRunDiff, mergeRunIntoProject } from "@/server/runs/run-git";
import { ZRunId } from "@/server/runs/run-schemas";
import { rerun } from "@/server/runs/start-run";
import { streamRunChanges } from "@/server/runs/stream-run-changes";
import { streamRunEvents } from "@/server/runs/stream-run-events";
import { requireProject } from "@/server/access/project-access";
import { createTRPCRouter, protectedProcedure } from "../trpc";

export const ZRunEventDto = z.object({ seq: z.number(), type: z.string(), payload: z.record(z.string(), z.unknown()), createdAt: z.date() });

export const runRouter = createTRPCRouter({
  byId: protectedProcedure.input(ZRunId).output(ZRunDto).query(({ ctx, input }) => getRun({ db: ctx.db, userId: ctx.userId, runId: input.runId })),

  list: protectedProcedure
    .input(ZListRuns)
    .output(z.object({ runs: z.array(ZRunSummaryDto), nextCursor: z.string().nullable() }))
    .query(({ ctx, input }) => listRuns({ db: ctx.db, userId: ctx.userId, input })),

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

  cancel: protectedProcedure
    .input(ZRunId)
    .output(z.object({ status: z.string() }))
    .mutation(({ ctx, input }) => cancelRun({ db: ctx.db, userId: ctx.userId, runId: input.runId })),

  rerun: protectedProcedure
    .input(ZRunId)
    .output(z.object({ taskId: z.string(), runId: z.string() }))
    .mutation(({ ctx, input }) => rerun({ db: ctx.db, userId: ctx.userId, runId: input.runId })),

  diff: protectedProcedure.input(ZRunId).query(({ ctx, input }) => getRunDiff({ db: ctx.db, userId: ctx.userId, runId: input.runId })),

  merge: protectedProcedure.input(ZRunId).mutation(({ ctx, input }) => mergeRunIntoProject({ db: ctx.db, userId: ctx.userId, runId: input.runId })),
});
