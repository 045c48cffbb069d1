import { z } from "zod";
import { Prisma } from "@/generated/prisma/client";
import type { Db } from "@/server/db/client";
import { AppError } from "@/server/errors";
import { acceptInvitation, admitNewAccount } from "./invitations";
import { burnVerifyTime, hashPassword, verifyPassword, ZPassword } from "./password";

export const ZEmail = z.string().trim().toLowerCase().max(254, "That email is too long.").pipe(z.email("Enter a valid email address."));
export const ZSignUp = z.object({
  email: ZEmail,
  password: ZPassword,
  name: z.string().trim().max(100, "Use at most 100 characters for your name.").optional(),
});
export type TSignUp = z.input<typeof ZSignUp>;

export interface SessionUser {
  id: string;
  email: string | null;
  name: string | null;
}

function firstIssue(error: z.ZodError): string {
  return error.issues[0]?.message ?? "Check the form and try again.";
}

/**
 * Creates a password account under SIGNUP (see admitNewAccount): the first account of an install becomes its
 * admin; with an invitation's token the account is admitted (and joins the invitation's project).
 */
export async function signUp(options: { db: Db; input: TSignUp; invitationToken?: string }): Promise<SessionUser> {
  const parsed = ZSignUp.safeParse(options.input);
  if (!parsed.success) throw new AppError("BAD_REQUEST", firstIssue(parsed.error));
  const { email, password, name } = parsed.data;
  const passwordHash = await hashPassword(password);
  try {
    return await options.db.$transaction(async (tx) => {
      const admission = await admitNewAccount({ tx, email, token: options.invitationToken || undefined });
      const user = await tx.user.create({ data: { email, passwordHash, name: name || null, isAdmin: admission.admin }, select: { id: true, email: true, name: true } });
      if (admission.invitation) await acceptInvitation(tx, admission.invitation, user.id);
      return user;
    });
  } catch (error) {
    // The unique index decides races between two sign-ups with one email; nothing is half-written.
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") {
      throw new AppError("CONFLICT", "An account with this email already exists. Sign in instead.");
    }
    throw error;
  }
}

const INVALID = "Email or password is incorrect.";

export async function verifyCredentials(options: { db: Db; email: string; password: string }): Promise<SessionUser> {
  const email = ZEmail.safeParse(options.email);
  if (!email.success || options.password.length > 256) throw new AppError("UNAUTHORIZED", INVALID);
  const user = await options.db.user.findUnique({ where: { email: email.data } });
  if (!user?.passwordHash) {
    await burnVerifyTime(options.password);
    throw new AppError("UNAUTHORIZED", INVALID);
  }
  if (!(await verifyPassword(user.passwordHash, options.password))) throw new AppError("UNAUTHORIZED", INVALID);
  return { id: user.id, email: user.email, name: user.name };
}
