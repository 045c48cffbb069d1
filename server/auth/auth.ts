import { PrismaAdapter } from "@auth/prisma-adapter";
import NextAuth, { type NextAuthConfig } from "next-auth";
import GitHub from "next-auth/providers/github";
import { db } from "@/server/db/client";
import { env } from "@/server/env";
import { AppError } from "@/server/errors";
import { acceptInvitation, admitNewAccount } from "./invitations";
import { SESSION_MAX_AGE_S } from "./sessions";

export function githubEnabled(): boolean {
  const settings = env();
  return Boolean(settings.AUTH_GITHUB_ID && settings.AUTH_GITHUB_SECRET);
}

// Built per request so nothing touches the database or settings at import (next build imports this).
function config(): NextAuthConfig {
  const settings = env();
  return {
    adapter: PrismaAdapter(db()),
    session: { strategy: "database", maxAge: SESSION_MAX_AGE_S },
    secret: settings.AUTH_SECRET,
    trustHost: true,
    pages: { signIn: "/sign-in" },
    providers: githubEnabled()
      ? [GitHub({ clientId: settings.AUTH_GITHUB_ID, clientSecret: settings.AUTH_GITHUB_SECRET })]
      : [],
    callbacks: {
      session({ session, user }) {
        session.user.id = user.id;
        return session;
      },
      // A new account through GitHub obeys SIGNUP like a password sign-up (GitHub's email is verified).
      async signIn({ user, account }) {
        if (account?.type !== "oauth") return true;
        const known = await db().account.findUnique({ where: { provider_providerAccountId: { provider: account.provider, providerAccountId: account.providerAccountId } } });
        const email = user.email?.toLowerCase() ?? "";
        if (known || (email && (await db().user.findUnique({ where: { email } })))) return true;
        try {
          await db().$transaction((tx) => admitNewAccount({ tx, email, byVerifiedEmail: true }));
          return true;
        } catch (error) {
          if (AppError.is(error, "FORBIDDEN")) return "/sign-up?refused=1";
          throw error;
        }
      },
    },
    events: {
      async createUser({ user }) {
        if (!user.id) return;
        const userId = user.id;
        await db().$transaction(async (tx) => {
          if ((await tx.user.count()) === 1) await tx.user.update({ where: { id: userId }, data: { isAdmin: true } });
          const admission = user.email ? await admitNewAccount({ tx, email: user.email.toLowerCase(), byVerifiedEmail: true }).catch(() => null) : null;
          if (admission?.invitation) await acceptInvitation(tx, admission.invitation, userId);
        });
      },
    },
  };
}

export const { handlers, auth, signOut, signIn } = NextAuth(() => config());

/** The signed-in user's id, or null. */
export async function currentUserId(): Promise<string | null> {
  const session = await auth();
  return session?.user?.id ?? null;
}
