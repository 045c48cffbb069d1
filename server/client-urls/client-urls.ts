import { z } from "zod";
import { requireProject } from "@/server/access/project-access";
import { generateToken, hashToken, ZTokenListing } from "@/server/auth/api-tokens";
import type { Db } from "@/server/db/client";
import { AppError } from "@/server/errors";

/**
 * Client URLs: `/c/<token>/...` answers the original AutoCodeAI API for one project, so the original clients
 * (which can set only a base URL) work unchanged. The token is the secret: stored hashed, listed with its
 * last use, revocable; it acts as its creator, and only in its project.
 */
export const CLIENT_URL_PREFIX = "acc_";
export const CLIENT_URL_PATH = "/c/";
export const ZClientUrlName = z.string().trim().min(1, "Name the client URL.").max(100, "Use at most 100 characters.");

export const ZClientUrlDto = ZTokenListing.extend({ creator: z.string() });

export async function createClientUrl(options: { db: Db; userId: string; projectId: string; name: string }) {
  const name = ZClientUrlName.parse(options.name);
  // Whoever may start tasks in the project may hand out an address that starts tasks there, nobody else.
  await requireProject({ db: options.db, userId: options.userId, projectId: options.projectId, need: "write" });
  const token = generateToken(CLIENT_URL_PREFIX);
  const row = await options.db.clientUrl.create({
    data: { projectId: options.projectId, creatorId: options.userId, name, tokenHash: hashToken(token), prefix: token.slice(0, CLIENT_URL_PREFIX.length + 6) },
    select: { id: true, name: true, prefix: true, createdAt: true },
  });
  return { ...row, token, path: `${CLIENT_URL_PATH}${token}` };
}

export async function listClientUrls(options: { db: Db; userId: string; projectId: string }) {
  await requireProject({ ...options, need: "write" });
  const rows = await options.db.clientUrl.findMany({
    where: { projectId: options.projectId },
    orderBy: { createdAt: "desc" },
    select: { id: true, name: true, prefix: true, createdAt: true, lastUsedAt: true, revokedAt: true, creator: { select: { email: true, name: true } } },
  });
  return rows.map(({ creator, ...row }) => ({ ...row, creator: creator.name ?? creator.email ?? "someone" }));
}

/** The creator or the project's owner may revoke; it stops working at once. */
export async function revokeClientUrl(options: { db: Db; userId: string; projectId: string; clientUrlId: string }): Promise<void> {
  const project = await requireProject({ ...options, need: "write" });
  const row = await options.db.clientUrl.findFirst({ where: { id: options.clientUrlId, projectId: project.id, revokedAt: null } });
  if (!row) throw new AppError("NOT_FOUND", "That client URL does not exist or is already revoked.");
  if (row.creatorId !== options.userId && project.ownerId !== options.userId) {
    throw new AppError("FORBIDDEN", "Only the person who made this client URL or the project's owner can revoke it.");
  }
  await options.db.clientUrl.update({ where: { id: row.id }, data: { revokedAt: new Date() } });
}

/** The project and acting user of a client URL token, or null for an unknown or revoked one. */
export async function authenticateClientUrl(options: { db: Db; token: string }): Promise<{ userId: string; projectId: string } | null> {
  if (!options.token.startsWith(CLIENT_URL_PREFIX) || options.token.length > 200) return null;
  const row = await options.db.clientUrl.findUnique({ where: { tokenHash: hashToken(options.token) } });
  if (!row || row.revokedAt) return null;
  // At most one write a minute per URL, as for API tokens.
  if (!row.lastUsedAt || Date.now() - row.lastUsedAt.getTime() > 60_000) {
    await options.db.clientUrl.update({ where: { id: row.id }, data: { lastUsedAt: new Date() } });
  }
  return { userId: row.creatorId, projectId: row.projectId };
}
