import { z } from "zod";
import { requireRun } from "@/server/access/run-access";
import { generateToken, hashToken } from "@/server/auth/api-tokens";
import type { Db } from "@/server/db/client";
import { AppError } from "@/server/errors";

export const SHARE_TOKEN_PREFIX = "acsh_";
/** Long enough for the prefix and 32 random bytes in base64url, with room to spare; longer input is refused unread. */
const MAX_TOKEN_LENGTH = 100;

export const ZShareToken = z.object({ token: z.string().min(1).max(MAX_TOKEN_LENGTH) });

export const ZShareLinkDto = z.object({
  id: z.string(),
  runId: z.string(),
  createdAt: z.date(),
  revokedAt: z.date().nullable(),
  lastUsedAt: z.date().nullable(),
  creatorName: z.string().nullable(),
});
export type TShareLinkDto = z.infer<typeof ZShareLinkDto>;

const NOT_FOUND = "This share link does not exist or was revoked. Ask whoever shared it for a new link.";

const linkSelect = { id: true, runId: true, createdAt: true, revokedAt: true, lastUsedAt: true, creator: { select: { name: true, email: true } } } as const;

function toDto(row: { id: string; runId: string; createdAt: Date; revokedAt: Date | null; lastUsedAt: Date | null; creator: { name: string | null; email: string | null } }): TShareLinkDto {
  return { id: row.id, runId: row.runId, createdAt: row.createdAt, revokedAt: row.revokedAt, lastUsedAt: row.lastUsedAt, creatorName: row.creator.name ?? row.creator.email };
}

/** Creates a read-only link to one run; the token is returned once and only its hash is stored. */
export async function createShareLink(options: { db: Db; userId: string; runId: string }): Promise<TShareLinkDto & { token: string }> {
  await requireRun({ ...options, need: "write" });
  const token = generateToken(SHARE_TOKEN_PREFIX);
  const row = await options.db.shareLink.create({
    data: { runId: options.runId, creatorId: options.userId, tokenHash: hashToken(token) },
    select: linkSelect,
  });
  return { ...toDto(row), token };
}

/** The run's links, newest first; anyone who may change the run may see and revoke them. */
export async function listShareLinks(options: { db: Db; userId: string; runId: string }): Promise<TShareLinkDto[]> {
  await requireRun({ ...options, need: "write" });
  const rows = await options.db.shareLink.findMany({ where: { runId: options.runId }, orderBy: { createdAt: "desc" }, select: linkSelect });
  return rows.map(toDto);
}

export async function revokeShareLink(options: { db: Db; userId: string; linkId: string }): Promise<void> {
  const link = await options.db.shareLink.findUnique({ where: { id: options.linkId }, select: { runId: true } });
  if (!link) throw new AppError("NOT_FOUND", "That share link does not exist.");
  // Access is decided by the run, so a stranger learns nothing from a link id: NOT_FOUND either way.
  await requireRun({ db: options.db, userId: options.userId, runId: link.runId, need: "write" }).catch((error: unknown) => {
    throw AppError.is(error, "FORBIDDEN") ? error : new AppError("NOT_FOUND", "That share link does not exist.");
  });
  await options.db.shareLink.updateMany({ where: { id: options.linkId, revokedAt: null }, data: { revokedAt: new Date() } });
}

/** The run a live share token opens, or NOT_FOUND for an unknown, malformed or revoked token. */
export async function resolveShareToken(options: { db: Db; token: string }): Promise<{ linkId: string; runId: string }> {
  if (!options.token.startsWith(SHARE_TOKEN_PREFIX) || options.token.length > MAX_TOKEN_LENGTH) throw new AppError("NOT_FOUND", NOT_FOUND);
  const link = await options.db.shareLink.findUnique({ where: { tokenHash: hashToken(options.token) }, select: { id: true, runId: true, revokedAt: true } });
  if (!link || link.revokedAt) throw new AppError("NOT_FOUND", NOT_FOUND);
  // Throttled to a write a minute: a live page asks many times, the owner's list only needs "when, roughly".
  const aMinuteAgo = new Date(Date.now() - 60_000);
  await options.db.shareLink.updateMany({ where: { id: link.id, OR: [{ lastUsedAt: null }, { lastUsedAt: { lt: aMinuteAgo } }] }, data: { lastUsedAt: new Date() } });
  return { linkId: link.id, runId: link.runId };
}

export async function isShareLinkLive(options: { db: Db; linkId: string }): Promise<boolean> {
  const link = await options.db.shareLink.findUnique({ where: { id: options.linkId }, select: { revokedAt: true } });
  return Boolean(link && !link.revokedAt);
}
