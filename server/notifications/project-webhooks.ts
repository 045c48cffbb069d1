import { randomBytes } from "node:crypto";
import { z } from "zod";
import { requireProject } from "@/server/access/project-access";
import { encryptSecret } from "@/server/auth/secrets";
import type { Db } from "@/server/db/client";
import { env } from "@/server/env";
import { AppError } from "@/server/errors";
import { checkOutboundHost } from "@/server/network/outbound-address";

export const MAX_WEBHOOKS_PER_PROJECT = 10;

export const ZWebhookUrl = z
  .string()
  .trim()
  .max(2000, "The webhook URL is too long.")
  .refine((value) => URL.canParse(value) && ["http:", "https:"].includes(new URL(value).protocol), "Give an http:// or https:// URL.");

export const ZCreateWebhook = z.object({ projectId: z.string().min(1).max(64), url: ZWebhookUrl });

/** Refuses a webhook URL that names loopback, private or link-local addresses unless the operator allows them; the checked addresses. */
export async function checkWebhookUrl(url: string, allowUnresolved = false): Promise<string[]> {
  return checkOutboundHost({ host: new URL(url).hostname, allowPrivate: env().ALLOW_PRIVATE_ADDRESSES, allowUnresolved, what: `The webhook URL ${url} was refused` });
}

/** Adds a webhook to a project (editors). The signing secret is returned this once and stored encrypted. */
export async function createWebhook(options: { db: Db; userId: string; input: z.input<typeof ZCreateWebhook> }) {
  const parsed = ZCreateWebhook.safeParse(options.input);
  if (!parsed.success) throw new AppError("BAD_REQUEST", parsed.error.issues[0]?.message ?? "Check the webhook.");
  const project = await requireProject({ db: options.db, userId: options.userId, projectId: parsed.data.projectId, need: "write" });
  await checkWebhookUrl(parsed.data.url, true);
  if ((await options.db.projectWebhook.count({ where: { projectId: project.id } })) >= MAX_WEBHOOKS_PER_PROJECT) {
    throw new AppError("BAD_REQUEST", `A project can have at most ${MAX_WEBHOOKS_PER_PROJECT} webhooks. Remove one first.`);
  }
  const secret = `whsec_${randomBytes(24).toString("base64url")}`;
  const hook = await options.db.projectWebhook.create({ data: { projectId: project.id, url: parsed.data.url, secretCipher: encryptSecret(secret) } });
  return { id: hook.id, url: hook.url, createdAt: hook.createdAt, secret };
}

export const ZWebhookDto = z.object({
  id: z.string(),
  url: z.string(),
  createdAt: z.date(),
  deliveries: z.array(z.object({ id: z.string(), runId: z.string(), event: z.string(), attempt: z.number(), httpStatus: z.number().nullable(), ok: z.boolean(), error: z.string().nullable(), durationMs: z.number(), createdAt: z.date() })),
});

/** A project's webhooks with their latest delivery attempts (never the secret). */
export async function listWebhooks(options: { db: Db; userId: string; projectId: string }) {
  const project = await requireProject({ ...options, need: "write" });
  const hooks = await options.db.projectWebhook.findMany({
    where: { projectId: project.id },
    orderBy: { createdAt: "asc" },
    include: { deliveries: { orderBy: { createdAt: "desc" }, take: 20 } },
  });
  return hooks.map((h) => ({ id: h.id, url: h.url, createdAt: h.createdAt, deliveries: h.deliveries.map(({ webhookId: _w, ...d }) => d) }));
}

export async function deleteWebhook(options: { db: Db; userId: string; webhookId: string }) {
  const hook = await options.db.projectWebhook.findUnique({ where: { id: options.webhookId } });
  // Someone else's webhook reads as missing, like their project.
  if (!hook) throw new AppError("NOT_FOUND", "Webhook not found.");
  await requireProject({ db: options.db, userId: options.userId, projectId: hook.projectId, need: "write" });
  await options.db.projectWebhook.delete({ where: { id: hook.id } });
  return { ok: true };
}
