import { z } from "zod";
import type { Prisma } from "@/generated/prisma/client";
import { requireProject } from "@/server/access/project-access";
import type { Db } from "@/server/db/client";
import { env } from "@/server/env";
import { AppError } from "@/server/errors";
import { generateToken, hashToken } from "./api-tokens";
import { ZEmail } from "./credentials";

export const INVITATION_PREFIX = "acin_";
const VALID_DAYS = 7;
type Tx = Prisma.TransactionClient;

export const ZCreateInvitation = z.object({
  email: z.string().max(254, "That email is too long."),
  /** With a project (its owner invites), the new account joins it; without one, only an admin may invite. */
  projectId: z.string().min(1).max(64).optional(),
  role: z.enum(["VIEWER", "EDITOR"]).default("EDITOR"),
});

export const ZInvitationDto = z.object({
  id: z.string(),
  email: z.string(),
  projectId: z.string().nullable(),
  role: z.enum(["VIEWER", "EDITOR"]).nullable(),
  createdAt: z.date(),
  expiresAt: z.date(),
});
export type TInvitationDto = z.infer<typeof ZInvitationDto>;

const dtoSelect = { id: true, email: true, projectId: true, role: true, createdAt: true, expiresAt: true } as const;

/** Creates an invitation; the link's token is returned once and only its hash is stored. */
export async function createInvitation(options: { db: Db; userId: string; input: z.input<typeof ZCreateInvitation> }): Promise<TInvitationDto & { token: string }> {
  const parsed = ZCreateInvitation.safeParse(options.input);
  if (!parsed.success) throw new AppError("BAD_REQUEST", parsed.error.issues[0]?.message ?? "Check the form.");
  const email = ZEmail.safeParse(parsed.data.email);
  if (!email.success) throw new AppError("BAD_REQUEST", email.error.issues[0]?.message ?? "Enter a valid email address.");
  const { projectId, role } = parsed.data;
  if (projectId) await requireProject({ db: options.db, userId: options.userId, projectId, need: "admin" });
  else {
    const me = await options.db.user.findUnique({ where: { id: options.userId }, select: { isAdmin: true } });
    if (!me?.isAdmin) throw new AppError("FORBIDDEN", "Only an admin can invite people without a project. Invite them from a project you own.");
  }
  if (await options.db.user.findUnique({ where: { email: email.data }, select: { id: true } })) {
    throw new AppError("CONFLICT", `${email.data} already has an account${projectId ? ": add them as a member instead" : ""}.`);
  }
  const token = generateToken(INVITATION_PREFIX);
  const row = await options.db.invitation.create({
    data: { tokenHash: hashToken(token), email: email.data, createdById: options.userId, projectId: projectId ?? null, role: projectId ? role : null, expiresAt: new Date(Date.now() + VALID_DAYS * 86_400_000) },
    select: dtoSelect,
  });
  return { ...row, token };
}

/** Pending invitations into a project (for its owner), or an admin's own invitations without a project. */
export async function listInvitations(options: { db: Db; userId: string; projectId?: string }): Promise<TInvitationDto[]> {
  if (options.projectId) await requireProject({ db: options.db, userId: options.userId, projectId: options.projectId, need: "admin" });
  return options.db.invitation.findMany({
    where: { projectId: options.projectId ?? null, ...(options.projectId ? {} : { createdById: options.userId }), acceptedAt: null, revokedAt: null, expiresAt: { gt: new Date() } },
    orderBy: { createdAt: "desc" },
    select: dtoSelect,
  });
}

export async function revokeInvitation(options: { db: Db; userId: string; invitationId: string }): Promise<void> {
  const row = await options.db.invitation.findUnique({ where: { id: options.invitationId }, select: { createdById: true, projectId: true } });
  const mayRevoke =
    row &&
    (row.createdById === options.userId ||
      (row.projectId !== null && (await requireProject({ db: options.db, userId: options.userId, projectId: row.projectId, need: "admin" }).then(() => true, () => false))));
  if (!mayRevoke) throw new AppError("NOT_FOUND", "That invitation does not exist.");
  await options.db.invitation.updateMany({ where: { id: options.invitationId, revokedAt: null }, data: { revokedAt: new Date() } });
}

type Pending = { id: string; projectId: string | null; role: "VIEWER" | "EDITOR" | null };

/**
 * Whether a new account for `email` may be created under SIGNUP, inside the sign-up transaction (which holds
 * a lock, so two first sign-ups cannot both become admin). A password sign-up needs the link's token; a
 * GitHub sign-up (verified email) may use a pending invitation for its email.
 */
export async function admitNewAccount(options: { tx: Tx; email: string; token?: string; byVerifiedEmail?: boolean }): Promise<{ admin: boolean; invitation: Pending | null }> {
  const { tx, email } = options;
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(715015)`;
  if ((await tx.user.count()) === 0) return { admin: true, invitation: null };
  const now = new Date();
  const live = { acceptedAt: null, revokedAt: null, expiresAt: { gt: now } };
  const invitation = options.token
    ? await tx.invitation.findFirst({ where: { tokenHash: hashToken(options.token), email, ...live }, select: { id: true, projectId: true, role: true } })
    : options.byVerifiedEmail
      ? await tx.invitation.findFirst({ where: { email, ...live }, orderBy: { createdAt: "asc" }, select: { id: true, projectId: true, role: true } })
      : null;
  const mode = env().SIGNUP;
  if (mode === "closed") throw new AppError("FORBIDDEN", "Sign-up is closed on this server. Ask its administrator for an account.");
  if (mode === "invite-only" && !invitation) {
    throw new AppError(
      "FORBIDDEN",
      options.token
        ? "This invitation is not valid for that email: it may have expired, been used or been revoked. Ask for a new one."
        : "This server is invite-only. Ask an admin or a project's owner for an invitation link.",
    );
  }
  return { admin: false, invitation };
}

/** Marks the invitation used and, for a project invitation, makes the new account a member. */
export async function acceptInvitation(tx: Tx, invitation: Pending, userId: string): Promise<void> {
  await tx.invitation.update({ where: { id: invitation.id }, data: { acceptedAt: new Date() } });
  if (invitation.projectId) await tx.projectMember.create({ data: { projectId: invitation.projectId, userId, role: invitation.role ?? "EDITOR" } });
}
