import { createHash, randomBytes } from "node:crypto";
import { z } from "zod";
import type { Db } from "@/server/db/client";
import { AppError } from "@/server/errors";

export const API_TOKEN_PREFIX = "acai_";
export const ZApiTokenName = z.string().trim().min(1, "Name the token.").max(100, "Use at most 100 characters.");

/** How a secret token is listed once made: never the token, only its first characters and its use. */
export const ZTokenListing = z.object({
  id: z.string(),
  name: z.string(),
  prefix: z.string(),
  createdAt: z.date(),
  lastUsedAt: z.date().nullable(),
  revokedAt: z.date().nullable(),
});

// Tokens carry 256 random bits, so a fast hash is enough: there is nothing to guess offline.
export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

export function generateToken(prefix: string): string {
  return `${prefix}${randomBytes(32).toString("base64url")}`;
}

export async function createApiToken(options: { db: Db; userId: string; name: string }) {
  const name = ZApiTokenName.parse(options.name);
  const token = generateToken(API_TOKEN_PREFIX);
  const row = await options.db.apiToken.create({
    data: { userId: options.userId, name, tokenHash: hashToken(token), prefix: token.slice(0, API_TOKEN_PREFIX.length + 6) },
    select: { id: true, name: true, prefix: true, createdAt: true },
  });
  return { ...row, token };
}

export function listApiTokens(options: { db: Db; userId: string }) {
  return options.db.apiToken.findMany({
    where: { userId: options.userId },
    orderBy: { createdAt: "desc" },
    select: { id: true, name: true, prefix: true, createdAt: true, lastUsedAt: true, revokedAt: true },
  });
}

export async function revokeApiToken(options: { db: Db; userId: string; tokenId: string }): Promise<void> {
  const { count } = await options.db.apiToken.updateMany({
    where: { id: options.tokenId, userId: options.userId, revokedAt: null },
    data: { revokedAt: new Date() },
  });
  if (count === 0) throw new AppError("NOT_FOUND", "That API token does not exist or is already revoked.");
}

/** The user a bearer token belongs to, or null for an unknown or revoked token. */
export async function authenticateApiToken(options: { db: Db; token: string }): Promise<string | null> {
  if (!options.token.startsWith(API_TOKEN_PREFIX) || options.token.length > 200) return null;
  const row = await options.db.apiToken.findUnique({ where: { tokenHash: hashToken(options.token) } });
  if (!row || row.revokedAt) return null;
  // At most one write a minute per token, so busy scripts do not turn every read into a write.
  if (!row.lastUsedAt || Date.now() - row.lastUsedAt.getTime() > 60_000) {
    await options.db.apiToken.update({ where: { id: row.id }, data: { lastUsedAt: new Date() } });
  }
  return row.userId;
}

/** The bearer token's user id from an Authorization header value; UNAUTHORIZED otherwise. */
export async function authenticateBearer(options: { db: Db; authorization: string | null | undefined }): Promise<string> {
  const header = options.authorization ?? "";
  if (!/^bearer\s+/i.test(header)) {
    throw new AppError("UNAUTHORIZED", "Send a personal API token as `Authorization: Bearer <token>` (create one under Settings > API tokens).");
  }
  const userId = await authenticateApiToken({ db: options.db, token: header.replace(/^bearer\s+/i, "").trim() });
  if (!userId) throw new AppError("UNAUTHORIZED", "This API token is unknown or revoked. Create a new one under Settings > API tokens.");
  return userId;
}
