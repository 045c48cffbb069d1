import { Gone } from "@/components/runs/shared-run-page";

/** What an unknown or revoked share link shows, with HTTP 404. */
export default function ShareNotFound() {
  return (
    <main id="main" tabIndex={-1} className="mx-auto max-w-6xl px-4 py-8 sm:px-6">
      <Gone />
    </main>
  );
}
