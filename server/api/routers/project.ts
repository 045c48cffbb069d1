import { z } from "zod";
import { createProject } from "@/server/projects/create-project";
import { deleteProject } from "@/server/projects/delete-project";
import { getProject } from "@/server/projects/get-project";
import { listProjects } from "@/server/projects/list-projects";
import { ZCreateProject, ZProjectDto, ZProjectId } from "@/server/projects/project-schemas";
import { createTRPCRouter, protectedProcedure } from "../trpc";

export const projectRouter = createTRPCRouter({
  list: protectedProcedure.output(z.array(ZProjectDto)).query(({ ctx }) => listProjects({ db: ctx.db, userId: ctx.userId })),

  byId: protectedProcedure
    .input(ZProjectId)
    .output(ZProjectDto)
    .query(({ ctx, input }) => getProject({ db: ctx.db, userId: ctx.userId, projectId: input.projectId })),

  create: protectedProcedure
    .input(ZCreateProject)
    .output(ZProjectDto)
    .mutation(({ ctx, input }) => createProject({ db: ctx.db, userId: ctx.userId, input })),

  delete: protectedProcedure
    .input(ZProjectId)
    .mutation(({ ctx, input }) => deleteProject({ db: ctx.db, userId: ctx.userId, projectId: input.projectId })),
});
