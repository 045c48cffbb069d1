"use server";

import { cookies, headers } from "next/headers";
import { redirect } from "next/navigation";
import { signOut } from "@/server/auth/auth";
import { signUp, verifyCredentials } from "@/server/auth/credentials";
import { authLimiters } from "@/server/auth/rate-limit";
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

/** The keys failures are counted under: the account, and the client address (the proxy's view behind one). */
async function limitKeys(email: string): Promise<{ account: string; address: string | null }> {
  const forwarded = (await headers()).get("x-forwarded-for")?.split(",")[0]?.trim();
  return { account: email.trim().toLowerCase(), address: forwarded || null };
}

export async function signUpAction(_: AuthFormState, form: FormData): Promise<AuthFormState> {
  const email = String(form.get("email") ?? "");
  try {
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
  const keys = await limitKeys(email);
  const limits = authLimiters();
  try {
    limits.account.check(keys.account);
    if (keys.address) limits.address.check(keys.address);
    const user = await verifyCredentials({ db: db(), email, password: String(form.get("password") ?? "") });
    await startSession(user.id);
  } catch (error) {
    if (AppError.is(error, "UNAUTHORIZED")) {
      limits.account.fail(keys.account);
      if (keys.address) limits.address.fail(keys.address);
    }
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
