"use client";

import { ErrorState } from "@/components/ui/states";

export default function AppError({ reset }: { error: Error; reset: () => void }) {
  return <ErrorState message="This page could not be loaded. Check that the server is running, then try again." onRetry={reset} />;
}
