"use server";

import { cookies, headers } from "next/headers";
import { redirect } from "next/navigation";
import { signOut } from "@/server/auth/auth";
import { signUp, verifyCredentials } from "@/server/auth/credentials";
import { authLimiter } from "@/server/auth/rate-limit";
import { safeNext } from "@/server/auth/safe-next";
import { createSession } from "@/server/auth/sessions";
import { db } from "@/server/db/client";
import { AppError } from "@/server/errors";

export interface AuthFormState {
  error?: string;
  email?: string;
}

async function startSession(userId: string): Promise<void> {
  const session = await createSession({ db: db(), userId });
  (await cookies()).set(session.cookieName, session.sessionToken, {
    httpOnly: true,
    // Lax keeps the cookie off cross-site POSTs, so other sites cannot make requests as the user (CSRF).
    sameSite: "lax",
    path: "/",
    secure: session.secure,
    expires: session.expires,
  });
}

function messageOf(error: unknown): string {
  if (error instanceof AppError) return error.userMessage;
  console.error("[auth] unexpected error:", error);
  return "Something went wrong on our side. Try again in a moment.";
}

/** Limits guessing per account and per client address; the address is the proxy's view when behind one. */
async function limitAttempts(email: string): Promise<void> {
  const forwarded = (await headers()).get("x-forwarded-for")?.split(",")[0]?.trim();
  authLimiter().hit(`email:${email.trim().toLowerCase()}`);
  if (forwarded) authLimiter().hit(`ip:${forwarded}`);
}

export async function signUpAction(_: AuthFormState, form: FormData): Promise<AuthFormState> {
  const email = String(form.get("email") ?? "");
  try {
    await limitAttempts(email);
    const user = await signUp({
      db: db(),
      input: { email, password: String(form.get("password") ?? ""), name: String(form.get("name") ?? "") || undefined },
    });
    await startSession(user.id);
  } catch (error) {
    return { error: messageOf(error), email };
  }
  redirect(safeNext(form.get("next")));
}

export async function signInAction(_: AuthFormState, form: FormData): Promise<AuthFormState> {
  const email = String(form.get("email") ?? "");
  try {
    await limitAttempts(email);
    const user = await verifyCredentials({ db: db(), email, password: String(form.get("password") ?? "") });
    await startSession(user.id);
  } catch (error) {
    return { error: messageOf(error), email };
  }
  redirect(safeNext(form.get("next")));
}

export async function signOutAction(): Promise<void> {
  await signOut({ redirectTo: "/sign-in" });
}

export async function signInWithGitHubAction(): Promise<void> {
  const { signIn } = await import("@/server/auth/auth");
  await signIn("github", { redirectTo: "/projects" });
}
