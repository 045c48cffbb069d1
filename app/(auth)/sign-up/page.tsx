import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { Alert } from "@/components/ui/states";
import { auth } from "@/server/auth/auth";
import { db } from "@/server/db/client";
import { env } from "@/server/env";
import { signUpAction } from "../actions";
import { AuthForm } from "../auth-form";

export const metadata: Metadata = { title: "Create an account" };
export const dynamic = "force-dynamic";

export default async function SignUpPage({ searchParams }: { searchParams: Promise<{ invite?: string; email?: string; refused?: string }> }) {
  if (await auth()) redirect("/projects");
  const { invite, email, refused } = await searchParams;
  const mode = env().SIGNUP;
  // The first account of a fresh install may always be made: it becomes the admin.
  const fresh = (await db().user.count()) === 0;
  const closed = !fresh && (mode === "closed" || (mode === "invite-only" && !invite));
  return (
    <div className="space-y-6">
      <h1 className="text-lg font-semibold text-slate-900">Create your account</h1>
      {fresh && <Alert tone="info">This is the first account on this server: it will be the admin.</Alert>}
      {refused && <Alert>That account could not be created: sign-up on this server needs an invitation.</Alert>}
      {closed ? (
        <Alert tone="info">
          {mode === "closed"
            ? "Sign-up is closed on this server. Ask its administrator for an account."
            : "This server is invite-only. Ask an admin or a project's owner for an invitation link."}
        </Alert>
      ) : (
        <AuthForm mode="sign-up" action={signUpAction} invite={invite?.slice(0, 100)} email={email?.slice(0, 254)} />
      )}
    </div>
  );
}
