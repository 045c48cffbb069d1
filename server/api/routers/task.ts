import { z } from "zod";
import { ZStartTask } from "@/server/runs/run-schemas";
import { startTask } from "@/server/runs/start-run";
import { createTRPCRouter, protectedProcedure } from "../trpc";

export const taskRouter = createTRPCRouter({
  /** Creates a task in a project and queues its first run. */
  create: protectedProcedure
    .input(ZStartTask)
    .output(z.object({ taskId: z.string(), runId: z.string() }))
    .mutation(({ ctx, input }) => startTask({ db: ctx.db, userId: ctx.userId, input })),
});
