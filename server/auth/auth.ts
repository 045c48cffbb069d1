import { PrismaAdapter } from "@auth/prisma-adapter";
import NextAuth, { type NextAuthConfig } from "next-auth";
import GitHub from "next-auth/providers/github";
import { db } from "@/server/db/client";
import { env } from "@/server/env";
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
    },
  };
}

export const { handlers, auth, signOut, signIn } = NextAuth(() => config());

/** The signed-in user's id, or null. */
export async function currentUserId(): Promise<string | null> {
  const session = await auth();
  return session?.user?.id ?? null;
}
