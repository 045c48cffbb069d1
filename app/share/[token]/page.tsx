import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { SharedRunPage } from "@/components/runs/shared-run-page";
import { getQueryClient, HydrateClient, orNotFound, trpc } from "@/server/api/rsc";
import { db } from "@/server/db/client";
import { resolveShareToken } from "@/server/share/share-links";

export const dynamic = "force-dynamic";
// The token is in the URL: keep it out of referrers and search engines.
export const metadata: Metadata = { title: "Shared run", robots: { index: false, follow: false }, referrer: "no-referrer" };

export default async function SharePage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  // An unknown or revoked link answers HTTP 404, so link checkers and caches see that it is gone.
  const live = await resolveShareToken({ db: db(), token: decodeURIComponent(token) }).then(() => true, () => false);
  if (!live) notFound();
  const queryClient = getQueryClient();
  const input = { token: decodeURIComponent(token) };
  // Revoked between the check above and here: the same 404.
  await Promise.all([
    orNotFound(queryClient.fetchQuery(trpc.share.run.queryOptions(input))),
    orNotFound(queryClient.fetchQuery(trpc.share.thread.queryOptions(input))),
    queryClient.prefetchQuery(trpc.share.diff.queryOptions({ ...input, patches: "open" })),
    queryClient.prefetchQuery(trpc.share.log.queryOptions(input)),
  ]);
  return (
    <HydrateClient>
      <SharedRunPage token={input.token} />
    </HydrateClient>
  );
}
