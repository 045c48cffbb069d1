import type { Metadata } from "next";
import { OwnerRunPage } from "@/components/runs/owner-run-page";

export const metadata: Metadata = { title: "Run" };

export default async function RunPage({ params }: { params: Promise<{ runId: string }> }) {
  const { runId } = await params;
  return <OwnerRunPage runId={runId} />;
}
