import { z } from "zod";
import { ZStartTask } from "@/server/runs/run-schemas";
import { startTask } from "@/server/runs/start-run";
import { followUp, ZFollowUp } from "@/server/threads/follow-up";
import { createTRPCRouter, protectedProcedure } from "../trpc";

export const taskRouter = createTRPCRouter({
  /** Creates a task in a project and queues its first run. */
  create: protectedProcedure
    .input(ZStartTask)
    .output(z.object({ taskId: z.string(), runId: z.string() }))
    .mutation(({ ctx, input }) => startTask({ db: ctx.db, userId: ctx.userId, input })),

  /** Continues a finished run with a new message: a new run on a branch from that run's last commit, planned with the conversation so far. */
  followUp: protectedProcedure
    .input(ZFollowUp)
    .output(z.object({ taskId: z.string(), runId: z.string(), threadId: z.string() }))
    .mutation(({ ctx, input }) => followUp({ db: ctx.db, userId: ctx.userId, input })),
});
