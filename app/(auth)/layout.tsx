import type { ReactNode } from "react";

export default function AuthLayout({ children }: { children: ReactNode }) {
  return (
    <main id="main" tabIndex={-1} className="flex min-h-screen items-center justify-center px-4 py-12">
      <div className="w-full max-w-sm space-y-8">
        <div className="text-center">
          <p className="text-2xl font-bold tracking-tight text-slate-900">
            Auto<span className="text-indigo-600">Code</span>AI
          </p>
          <p className="mt-1 text-sm text-slate-500">Agents that write code, and prove it runs.</p>
        </div>
        <div className="rounded-xl bg-white p-8 shadow-sm ring-1 ring-slate-200">{children}</div>
      </div>
    </main>
  );
}
