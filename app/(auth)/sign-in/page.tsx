import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { Button } from "@/components/ui/button";
import { auth, githubEnabled } from "@/server/auth/auth";
import { signInAction, signInWithGitHubAction } from "../actions";
import { AuthForm } from "../auth-form";

export const metadata: Metadata = { title: "Sign in" };
export const dynamic = "force-dynamic";

export default async function SignInPage({ searchParams }: { searchParams: Promise<{ next?: string }> }) {
  if (await auth()) redirect("/projects");
  const { next } = await searchParams;
  return (
    <div className="space-y-6">
      <h1 className="text-lg font-semibold text-slate-900">Sign in to your account</h1>
      <AuthForm mode="sign-in" action={signInAction} next={next} />
      {githubEnabled() && (
        <form action={signInWithGitHubAction}>
          <Button variant="secondary" type="submit" className="w-full">
            Continue with GitHub
          </Button>
        </form>
      )}
    </div>
  );
}
