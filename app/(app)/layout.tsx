import Link from "next/link";
import { redirect } from "next/navigation";
import type { ReactNode } from "react";
import { ModelStatusBanner } from "@/components/settings/model-status-banner";
import { KeyboardShortcuts } from "@/components/ui/keyboard-shortcuts";
import { ThemeToggle } from "@/components/ui/theme-toggle";
import { auth } from "@/server/auth/auth";
import { signOutAction } from "../(auth)/actions";

export const dynamic = "force-dynamic";

export default async function AppLayout({ children }: { children: ReactNode }) {
  const session = await auth();
  if (!session?.user) redirect("/sign-in");
  return (
    <div className="min-h-screen">
      <header className="border-b border-slate-200 bg-white">
        <nav aria-label="Main" className="mx-auto flex max-w-6xl items-center gap-x-3 px-4 py-2.5 sm:gap-x-6 sm:px-6 sm:py-3">
          <Link href="/projects" className="shrink-0 text-base font-bold tracking-tight sm:text-lg">
            Auto<span className="text-indigo-600">Code</span>AI
          </Link>
          <Link href="/projects" className="text-sm font-medium text-slate-600 hover:text-slate-900">
            Projects
          </Link>
          <Link href="/settings" className="text-sm font-medium text-slate-600 hover:text-slate-900">
            Settings
          </Link>
          <div className="ml-auto flex items-center gap-1 sm:gap-3">
            <ThemeToggle />
            <span className="hidden text-sm text-slate-500 sm:inline" data-testid="signed-in-as">
              {session.user.email ?? session.user.name}
            </span>
            <form action={signOutAction}>
              <button type="submit" className="whitespace-nowrap rounded-md px-2 py-1.5 text-sm font-medium text-slate-700 hover:bg-slate-100 sm:px-2.5">
                Sign out
              </button>
            </form>
          </div>
        </nav>
      </header>
      <KeyboardShortcuts />
      <ModelStatusBanner />
      <main id="main" tabIndex={-1} className="mx-auto max-w-6xl px-4 py-8 sm:px-6">{children}</main>
    </div>
  );
}
