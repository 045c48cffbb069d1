import Link from "next/link";

export default function NotFound() {
  return (
    <main id="main" tabIndex={-1} className="mx-auto max-w-md px-4 py-24 text-center">
      <p className="text-sm font-semibold text-indigo-600">404</p>
      <h1 className="mt-2 text-2xl font-bold text-slate-900">Page not found</h1>
      <p className="mt-2 text-sm text-slate-600">The page does not exist, or you do not have access to it.</p>
      <Link href="/projects" className="mt-6 inline-block text-sm font-medium text-indigo-600 hover:text-indigo-500">
        Go to your projects
      </Link>
    </main>
  );
}
