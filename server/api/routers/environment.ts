import { getEnvironment, rebuildEnvironment, updateEnvironment, ZEnvironmentDto, ZUpdateEnvironment } from "@/server/environments/project-environment";
import { ZProjectId } from "@/server/projects/project-schemas";
import { createTRPCRouter, protectedProcedure } from "../trpc";

export const environmentRouter = createTRPCRouter({
  get: protectedProcedure
    .input(ZProjectId)
    .output(ZEnvironmentDto)
    .query(({ ctx, input }) => getEnvironment({ db: ctx.db, userId: ctx.userId, projectId: input.projectId })),

  update: protectedProcedure
    .input(ZUpdateEnvironment)
    .output(ZEnvironmentDto)
    .mutation(({ ctx, input }) => updateEnvironment({ db: ctx.db, userId: ctx.userId, input })),

  rebuild: protectedProcedure
    .input(ZProjectId)
    .output(ZEnvironmentDto)
    .mutation(({ ctx, input }) => rebuildEnvironment({ db: ctx.db, userId: ctx.userId, projectId: input.projectId })),
});
