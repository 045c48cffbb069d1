"use client";

import Link from "next/link";
import { useActionState } from "react";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { Alert } from "@/components/ui/states";
import type { AuthFormState } from "./actions";

export function AuthForm({
  mode,
  action,
  next,
  invite,
  email,
}: {
  mode: "sign-in" | "sign-up";
  action: (state: AuthFormState, form: FormData) => Promise<AuthFormState>;
  next?: string;
  /** An invitation's token (from its link), sent with the sign-up. */
  invite?: string;
  email?: string;
}) {
  const [state, formAction, pending] = useActionState(action, {});
  const signUp = mode === "sign-up";
  return (
    <form action={formAction} className="space-y-5" noValidate={false}>
      {state.error && <Alert>{state.error}</Alert>}
      {next && <input type="hidden" name="next" value={next} />}
      {invite && <input type="hidden" name="invite" value={invite} />}
      {signUp && <Field id="name" name="name" label="Name" autoComplete="name" maxLength={100} placeholder="Ada Lovelace" />}
      <Field id="email" name="email" type="email" label="Email" autoComplete="email" required defaultValue={state.email ?? email} maxLength={254} />
      <Field
        id="password"
        name="password"
        type="password"
        label="Password"
        autoComplete={signUp ? "new-password" : "current-password"}
        required
        minLength={signUp ? 10 : undefined}
        maxLength={256}
        hint={signUp ? "At least 10 characters, mixing letters with digits or symbols." : undefined}
      />
      <Button type="submit" pending={pending} className="w-full">
        {signUp ? "Create account" : "Sign in"}
      </Button>
      <p className="text-center text-sm text-slate-600">
        {signUp ? "Already have an account? " : "New to AutoCodeAI? "}
        <Link href={signUp ? "/sign-in" : "/sign-up"} className="font-medium text-indigo-600 hover:text-indigo-500">
          {signUp ? "Sign in" : "Create an account"}
        </Link>
      </p>
    </form>
  );
}
