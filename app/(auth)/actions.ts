"use server";

import { cookies, headers } from "next/headers";
import { redirect } from "next/navigation";
import { signOut } from "@/server/auth/auth";
import { CLIENT_ADDRESS_HEADER } from "@/server/auth/client-address";
import { signUp } from "@/server/auth/credentials";
import { signInWithPassword } from "@/server/auth/sign-in";
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

/** The client's address as server.ts determined it (TRUST_PROXY decides whether forwarded headers count). */
async function clientAddressOf(): Promise<string> {
  return (await headers()).get(CLIENT_ADDRESS_HEADER) ?? "unknown";
}

export async function signUpAction(_: AuthFormState, form: FormData): Promise<AuthFormState> {
  const email = String(form.get("email") ?? "");
  try {
    const user = await signUp({
      db: db(),
      input: { email, password: String(form.get("password") ?? ""), name: String(form.get("name") ?? "") || undefined },
      invitationToken: String(form.get("invite") ?? "").slice(0, 100) || undefined,
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
    const user = await signInWithPassword({ db: db(), email, password: String(form.get("password") ?? ""), address: await clientAddressOf() });
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
