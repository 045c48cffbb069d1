"use client";

import { useRouter } from "next/navigation";
import { startTransition } from "react";
import { ErrorState } from "@/components/ui/states";

/** A page whose server fetch or suspense read failed (not a missing record: that is the segment's not-found page). */
export function PageError({ reset }: { error: Error; reset: () => void }) {
  const router = useRouter();
  // The failure may be the server component's fetch: refresh it, then re-render the segment.
  const retry = () => startTransition(() => (router.refresh(), reset()));
  return <ErrorState message="This page could not be loaded. Check that the server is running, then try again." onRetry={retry} />;
}
