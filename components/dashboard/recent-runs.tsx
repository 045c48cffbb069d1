"use client";

import { RunHistory } from "@/components/runs/run-history";

/** Recent runs across every project the user can see. */
export function RecentRuns() {
  return <RunHistory projectId={null} pageSize={10} title="Recent runs" />;
}
