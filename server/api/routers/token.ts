import { z } from "zod";
import { createApiToken, listApiTokens, revokeApiToken, ZApiTokenName, ZTokenListing } from "@/server/auth/api-tokens";
import { createTRPCRouter, sessionProcedure } from "../trpc";


// Tokens are managed only from a signed-in browser: a leaked token must not be able to mint more tokens.
export const tokenRouter = createTRPCRouter({
  list: sessionProcedure.output(z.array(ZTokenListing)).query(({ ctx }) => listApiTokens({ db: ctx.db, userId: ctx.userId })),

  create: sessionProcedure
    .input(z.object({ name: ZApiTokenName }))
    .output(z.object({ id: z.string(), name: z.string(), prefix: z.string(), createdAt: z.date(), token: z.string() }))
    .mutation(({ ctx, input }) => createApiToken({ db: ctx.db, userId: ctx.userId, name: input.name })),

  revoke: sessionProcedure
    .input(z.object({ tokenId: z.string().min(1).max(64) }))
    .mutation(({ ctx, input }) => revokeApiToken({ db: ctx.db, userId: ctx.userId, tokenId: input.tokenId })),
});
