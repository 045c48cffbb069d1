import { z } from "zod";
import { getCostTotals, getProjectInsights } from "@/server/insights/get-project-insights";
import { ZCostTotals, ZInsightsInput, ZProjectInsights } from "@/server/insights/insights-schemas";
import { createTRPCRouter, protectedProcedure } from "../trpc";

export const insightsRouter = createTRPCRouter({
  project: protectedProcedure
    .input(ZInsightsInput)
    .output(ZProjectInsights)
    .query(({ ctx, input }) => getProjectInsights({ db: ctx.db, userId: ctx.userId, input })),

  /** Cost this month and overall: of a project (its owner: everyone's runs) or, without one, of the caller's runs. */
  costTotals: protectedProcedure
    .input(z.object({ projectId: z.string().min(1).nullish() }))
    .output(ZCostTotals)
    .query(({ ctx, input }) => getCostTotals({ db: ctx.db, userId: ctx.userId, projectId: input.projectId })),
});
