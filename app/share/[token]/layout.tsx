import type { ReactNode } from "react";
import { ThemeToggle } from "@/components/ui/theme-toggle";

/** The shared run's frame, also around its not-found page (a dead link gets the same header and theme toggle). */
export default function ShareLayout({ children }: { children: ReactNode }) {
  return (
    <div className="min-h-screen">
      <header className="border-b border-slate-200 bg-white">
        <div className="mx-auto flex max-w-6xl items-center gap-3 px-4 py-3 sm:px-6">
          <span className="text-lg font-bold tracking-tight">
            Auto<span className="text-indigo-600">Code</span>AI
          </span>
          <span className="rounded-full bg-slate-100 px-2 py-0.5 text-xs font-medium text-slate-600">Shared run · read-only</span>
          <div className="ml-auto">
            <ThemeToggle />
          </div>
        </div>
      </header>
      <main id="main" tabIndex={-1} className="mx-auto max-w-6xl px-4 py-8 sm:px-6">
        {children}
      </main>
    </div>
  );
}
