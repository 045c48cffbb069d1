import { z } from "zod";
import { createTRPCRouter, protectedProcedure } from "../trpc";

export const viewerRouter = createTRPCRouter({
  me: protectedProcedure
    .output(z.object({ id: z.string(), email: z.string().nullable(), name: z.string().nullable(), isAdmin: z.boolean() }))
    .query(({ ctx }) => ctx.db.user.findUniqueOrThrow({ where: { id: ctx.userId }, select: { id: true, email: true, name: true, isAdmin: true } })),
});
