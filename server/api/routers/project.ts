import { z } from "zod";
import { requireProject } from "@/server/access/project-access";
import { AppError } from "@/server/errors";
import { readTree } from "@/server/git";
import { deleteMemory, getIndexStatus, listMemories } from "@/server/memory/memory-store";
import { deleteProjectRemote, getProjectRemote, setProjectRemote, ZProjectRemoteDto, ZSetProjectRemote } from "@/server/delivery/project-remote";
import { createProject } from "@/server/projects/create-project";
import { deleteProject } from "@/server/projects/delete-project";
import { getProject } from "@/server/projects/get-project";
import { listProjects } from "@/server/projects/list-projects";
import { addMember, listMembers, removeMember, ZAddMember, ZMemberDto, ZRemoveMember } from "@/server/projects/project-members";
import { ZCreateProject, ZProjectDto, ZProjectId, ZUpdateProjectSettings } from "@/server/projects/project-schemas";
import { updateProjectSettings } from "@/server/projects/update-project-settings";
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

  /** Project settings (requirePlanApproval: new tasks stop after planning for review by default). */
  updateSettings: protectedProcedure
    .input(ZUpdateProjectSettings)
    .output(ZProjectDto)
    .mutation(({ ctx, input }) => updateProjectSettings({ db: ctx.db, userId: ctx.userId, input })),

  /** The project's remote for pushes and pull requests; the token never comes back, only whether one is set. */
  remote: protectedProcedure
    .input(ZProjectId)
    .output(ZProjectRemoteDto.nullable())
    .query(({ ctx, input }) => getProjectRemote({ db: ctx.db, userId: ctx.userId, projectId: input.projectId })),

  setRemote: protectedProcedure
    .input(ZSetProjectRemote)
    .output(ZProjectRemoteDto)
    .mutation(({ ctx, input }) => setProjectRemote({ db: ctx.db, userId: ctx.userId, input })),

  deleteRemote: protectedProcedure
    .input(ZProjectId)
    .mutation(({ ctx, input }) => deleteProjectRemote({ db: ctx.db, userId: ctx.userId, projectId: input.projectId })),

  delete: protectedProcedure
    .input(ZProjectId)
    .mutation(({ ctx, input }) => deleteProject({ db: ctx.db, userId: ctx.userId, projectId: input.projectId })),

  members: protectedProcedure
    .input(ZProjectId)
    .output(z.array(ZMemberDto))
    .query(({ ctx, input }) => listMembers({ db: ctx.db, userId: ctx.userId, projectId: input.projectId })),

  addMember: protectedProcedure
    .input(ZAddMember)
    .output(z.array(ZMemberDto))
    .mutation(({ ctx, input }) => addMember({ db: ctx.db, userId: ctx.userId, input })),

  removeMember: protectedProcedure
    .input(ZRemoveMember)
    .mutation(({ ctx, input }) => removeMember({ db: ctx.db, userId: ctx.userId, input })),

  /** Every file of the project's default branch, for the context-file picker. */
  tree: protectedProcedure
    .input(ZProjectId)
    .output(z.array(z.object({ path: z.string(), kind: z.enum(["file", "symlink", "submodule"]), size: z.number().nullable() })))
    .query(async ({ ctx, input }) => {
      const project = await requireProject({ db: ctx.db, userId: ctx.userId, projectId: input.projectId, need: "read" });
      return readTree({ repoPath: project.repoPath, ref: project.defaultBranch });
    }),

  indexStatus: protectedProcedure
    .input(ZProjectId)
    .output(z.object({ state: z.enum(["idle", "indexing", "watching", "error"]), files: z.number(), chunks: z.number(), lastUpdatedAt: z.date().nullable(), errors: z.array(z.string()) }))
    .query(async ({ ctx, input }) => {
      await requireProject({ db: ctx.db, userId: ctx.userId, projectId: input.projectId, need: "read" });
      return getIndexStatus(input.projectId);
    }),

  memories: protectedProcedure
    .input(ZProjectId)
    .output(z.array(z.object({ id: z.string(), runId: z.string(), task: z.string(), summary: z.string(), createdAt: z.date() })))
    .query(async ({ ctx, input }) => {
      await requireProject({ db: ctx.db, userId: ctx.userId, projectId: input.projectId, need: "read" });
      return listMemories({ projectId: input.projectId }).catch(memoryUnavailable);
    }),

  deleteMemory: protectedProcedure
    .input(ZProjectId.extend({ memoryId: z.string().min(1).max(200) }))
    .mutation(async ({ ctx, input }) => {
      await requireProject({ db: ctx.db, userId: ctx.userId, projectId: input.projectId, need: "write" });
      await deleteMemory({ projectId: input.projectId, memoryId: input.memoryId }).catch(memoryUnavailable);
    }),
});

function memoryUnavailable(error: unknown): never {
  if (error instanceof AppError) throw error;
  throw new AppError("UNAVAILABLE", `memory store failed: ${String(error)}`, { userMessage: "The memory store (Chroma) is not reachable right now. Check CHROMA_URL or the server log, then try again." });
}
