import { z } from "zod";
import { createWebhook, deleteWebhook, listWebhooks, ZCreateWebhook, ZWebhookDto } from "@/server/notifications/project-webhooks";
import { createTRPCRouter, protectedProcedure } from "../trpc";

export const webhookRouter = createTRPCRouter({
  /** A project's webhooks and their latest delivery attempts (editors; the secret is never returned). */
  list: protectedProcedure
    .input(z.object({ projectId: z.string().min(1).max(64) }))
    .output(z.array(ZWebhookDto))
    .query(({ ctx, input }) => listWebhooks({ db: ctx.db, userId: ctx.userId, projectId: input.projectId })),

  /** Adds a webhook; the answer carries the signing secret, shown this once. */
  create: protectedProcedure
    .input(ZCreateWebhook)
    .output(z.object({ id: z.string(), url: z.string(), createdAt: z.date(), secret: z.string() }))
    .mutation(({ ctx, input }) => createWebhook({ db: ctx.db, userId: ctx.userId, input })),

  delete: protectedProcedure
    .input(z.object({ webhookId: z.string().min(1).max(64) }))
    .mutation(({ ctx, input }) => deleteWebhook({ db: ctx.db, userId: ctx.userId, webhookId: input.webhookId })),
});
