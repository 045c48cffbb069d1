import { randomBytes } from "node:crypto";
import type { Db } from "@/server/db/client";
import { env } from "@/server/env";

export const SESSION_MAX_AGE_S = 30 * 24 * 60 * 60;

/** Auth.js's cookie name: the __Secure- prefix applies when the site is served over https. */
export function sessionCookieName(): string {
  const secure = env().AUTH_URL?.startsWith("https://") ?? false;
  return secure ? "__Secure-authjs.session-token" : "authjs.session-token";
}

/**
 * A database session in Auth.js's own table, for email and password sign-in. Auth.js only supports
 * credentials with JWT sessions, so we create the row ourselves and Auth.js reads it like any other.
 */
export async function createSession(options: { db: Db; userId: string }) {
  const sessionToken = randomBytes(32).toString("base64url");
  const expires = new Date(Date.now() + SESSION_MAX_AGE_S * 1000);
  await options.db.session.create({ data: { sessionToken, userId: options.userId, expires } });
  return { sessionToken, expires, cookieName: sessionCookieName(), secure: sessionCookieName().startsWith("__Secure-") };
}
