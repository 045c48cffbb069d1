import { z } from "zod";
import { createInvitation, listInvitations, revokeInvitation, ZCreateInvitation, ZInvitationDto } from "@/server/auth/invitations";
import { createTRPCRouter, sessionProcedure } from "../trpc";

// Invitations admit new accounts: only from a signed-in browser, like API tokens (a leaked token must not recruit).
export const invitationRouter = createTRPCRouter({
  create: sessionProcedure
    .input(ZCreateInvitation)
    .output(ZInvitationDto.extend({ token: z.string() }))
    .mutation(({ ctx, input }) => createInvitation({ db: ctx.db, userId: ctx.userId, input })),

  list: sessionProcedure
    .input(z.object({ projectId: z.string().min(1).max(64).optional() }))
    .output(z.array(ZInvitationDto))
    .query(({ ctx, input }) => listInvitations({ db: ctx.db, userId: ctx.userId, projectId: input.projectId })),

  revoke: sessionProcedure
    .input(z.object({ invitationId: z.string().min(1).max(64) }))
    .mutation(({ ctx, input }) => revokeInvitation({ db: ctx.db, userId: ctx.userId, invitationId: input.invitationId })),
});
