import { z } from "zod";
import { createClientUrl, listClientUrls, revokeClientUrl, ZClientUrlDto, ZClientUrlName } from "@/server/client-urls/client-urls";
import { createTRPCRouter, sessionProcedure } from "../trpc";

const ZProjectRef = z.object({ projectId: z.string().min(1).max(64) });

// Like API tokens, client URLs are managed only from a signed-in browser: a leaked token cannot mint more.
export const clientUrlRouter = createTRPCRouter({
  list: sessionProcedure
    .input(ZProjectRef)
    .output(z.array(ZClientUrlDto))
    .query(({ ctx, input }) => listClientUrls({ db: ctx.db, userId: ctx.userId, projectId: input.projectId })),

  create: sessionProcedure
    .input(ZProjectRef.extend({ name: ZClientUrlName }))
    .output(z.object({ id: z.string(), name: z.string(), prefix: z.string(), createdAt: z.date(), token: z.string(), path: z.string() }))
    .mutation(({ ctx, input }) => createClientUrl({ db: ctx.db, userId: ctx.userId, projectId: input.projectId, name: input.name })),

  revoke: sessionProcedure
    .input(ZProjectRef.extend({ clientUrlId: z.string().min(1).max(64) }))
    .mutation(({ ctx, input }) => revokeClientUrl({ db: ctx.db, userId: ctx.userId, projectId: input.projectId, clientUrlId: input.clientUrlId })),
});
