import { tracked } from "@trpc/server";
import { z } from "zod";
import { ZRunDto } from "@/server/runs/run-dto";
import { ZDiffPatches, ZRunId } from "@/server/runs/run-schemas";
import { withLargePatchesHeld } from "@/server/git";
import { getSharedRun, getSharedRunDiff, getSharedRunFile, getSharedRunTree, sharedPageRunEvents, streamSharedRunEvents } from "@/server/share/get-shared-run";
import { AppError } from "@/server/errors";
import { createShareLink, resolveShareToken, listShareLinks, revokeShareLink, ZShareLinkDto, ZShareToken } from "@/server/share/share-links";
import { listThread, ZThreadDto } from "@/server/threads/list-thread";
import { listSharedTurnOutput, ZTurnOutputDto } from "@/server/threads/turn-output";
import { toTRPCError } from "../errors";
import { createTRPCRouter, protectedProcedure, publicProcedure } from "../trpc";

export const shareRouter = createTRPCRouter({
  create: protectedProcedure
    .input(ZRunId)
    .output(ZShareLinkDto.extend({ token: z.string() }))
    .mutation(({ ctx, input }) => createShareLink({ db: ctx.db, userId: ctx.userId, runId: input.runId })),

  list: protectedProcedure
    .input(ZRunId)
    .output(z.array(ZShareLinkDto))
    .query(({ ctx, input }) => listShareLinks({ db: ctx.db, userId: ctx.userId, runId: input.runId })),

  revoke: protectedProcedure
    .input(z.object({ linkId: z.string().min(1).max(64) }))
    .mutation(({ ctx, input }) => revokeShareLink({ db: ctx.db, userId: ctx.userId, linkId: input.linkId })),

  // Public: the token is the only credential, and it opens exactly one run, read-only.
  run: publicProcedure
    .input(ZShareToken)
    .output(ZRunDto)
    .query(({ ctx, input }) => getSharedRun({ db: ctx.db, token: input.token })),

  /** The conversation the shared run belongs to: every turn's prompt and outcome (one link shares the whole thread). */
  thread: publicProcedure
    .input(ZShareToken)
    .output(ZThreadDto)
    .query(async ({ ctx, input }) => listThread({ db: ctx.db, runId: (await resolveShareToken({ db: ctx.db, token: input.token })).runId })),

  /** One turn's agents' output (any turn of the shared run's thread), for the folded turns. */
  turnOutput: publicProcedure
    .input(ZShareToken.extend({ runId: z.string().min(1).max(64) }))
    .output(ZTurnOutputDto)
    .query(({ ctx, input }) => listSharedTurnOutput({ db: ctx.db, token: input.token, runId: input.runId })),

  diff: publicProcedure
    .input(ZShareToken.merge(ZDiffPatches))
    .query(async ({ ctx, input }) => {
      const diff = await getSharedRunDiff({ db: ctx.db, token: input.token });
      return diff && input.patches === "open" ? withLargePatchesHeld(diff) : diff;
    }),
  /** The start of the run's log, cut for share viewers, for the page's first render; share.events follows on. */
  log: publicProcedure.input(ZShareToken).query(({ ctx, input }) => sharedPageRunEvents({ db: ctx.db, token: input.token })),

  /** The shared run's branch files and one file's text (that run's branch only; paths checked like the members' view). */
  files: publicProcedure.input(ZShareToken).query(({ ctx, input }) => getSharedRunTree({ db: ctx.db, token: input.token })),
  file: publicProcedure
    .input(ZShareToken.extend({ path: z.string().min(1).max(1024) }))
    .query(({ ctx, input }) => getSharedRunFile({ db: ctx.db, token: input.token, path: input.path })),

  /** Token checked before the stream opens (so a bad one answers NOT_FOUND), and again while it is open. */
  events: publicProcedure.input(ZShareToken.extend({ lastEventId: z.string().max(20).nullish() })).subscription(async ({ ctx, input, signal }) => {
    const link = await resolveShareToken({ db: ctx.db, token: input.token });
    const afterSeq = Number(input.lastEventId ?? 0) || 0;
    return (async function* () {
      try {
        for await (const event of streamSharedRunEvents({ db: ctx.db, link, afterSeq, signal })) yield tracked(String(event.seq), event);
      } catch (error) {
        // Errors thrown mid-stream bypass the middleware; map them here so revocation reads as NOT_FOUND.
        throw error instanceof AppError ? toTRPCError(error) : error;
      }
    })();
  }),
});
