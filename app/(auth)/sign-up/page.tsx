import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { auth } from "@/server/auth/auth";
import { signUpAction } from "../actions";
import { AuthForm } from "../auth-form";

export const metadata: Metadata = { title: "Create an account" };
export const dynamic = "force-dynamic";

export default async function SignUpPage() {
  if (await auth()) redirect("/projects");
  return (
    <div className="space-y-6">
      <h1 className="text-lg font-semibold text-slate-900">Create your account</h1>
      <AuthForm mode="sign-up" action={signUpAction} />
    </div>
  );
}
