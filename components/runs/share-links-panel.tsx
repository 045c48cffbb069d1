"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { useTRPC } from "@/components/providers/trpc-provider";
import { Button } from "@/components/ui/button";
import { CopyButton } from "@/components/ui/copy-button";
import { Alert, ErrorState, LoadingState } from "@/components/ui/states";

// Links made in this tab, by id, so they can be copied again; the server keeps only each token's hash.
const SESSION_KEY = "autocode.shareLinks";
function sessionLinks(): Record<string, string> {
  try {
    return JSON.parse(sessionStorage.getItem(SESSION_KEY) ?? "{}") as Record<string, string>;
  } catch {
    return {};
  }
}

/** Read-only links to this run for people without an account; each can be revoked at any time. */
export function ShareLinksPanel({ runId }: { runId: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const links = useQuery(trpc.share.list.queryOptions({ runId }));
  const [created, setCreated] = useState<string | null>(null);
  const [mine, setMine] = useState<Record<string, string>>({});
  useEffect(() => setMine(sessionLinks()), []);
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.share.list.queryKey({ runId }) });
  const create = useMutation(
    trpc.share.create.mutationOptions({
      onSuccess: (link) => {
        const url = `${window.location.origin}/share/${link.token}`;
        setCreated(url);
        const next = { ...sessionLinks(), [link.id]: url };
        sessionStorage.setItem(SESSION_KEY, JSON.stringify(next));
        setMine(next);
        void refresh();
      },
    }),
  );
  const revoke = useMutation(trpc.share.revoke.mutationOptions({ onSuccess: refresh }));

  return (
    <section aria-labelledby="share-heading" className="space-y-3">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h2 id="share-heading" className="text-lg font-semibold">
          Share links
        </h2>
        <Button variant="secondary" pending={create.isPending} onClick={() => create.mutate({ runId })}>
          Create share link
        </Button>
      </div>
      <p className="text-sm text-slate-600">Anyone with a link sees this run, live and read-only, without signing in. Nothing else in the project is reachable through it.</p>
      {create.error && <Alert>{create.error.message}</Alert>}
      {revoke.error && <Alert>{revoke.error.message}</Alert>}
      {created && (
        <Alert tone="success">
          <span className="flex flex-wrap items-center gap-2">
            <span>New link (copy it again below while this tab is open; the server keeps only its hash):</span>
            <a data-testid="share-url" href={created} target="_blank" rel="noreferrer" className="break-all font-mono underline">
              {created}
            </a>
            <CopyButton value={created} label="Copy link" />
          </span>
        </Alert>
      )}
      {links.isPending ? (
        <LoadingState label="Loading share links…" />
      ) : links.isError ? (
        <ErrorState message={links.error.message} onRetry={() => void links.refetch()} />
      ) : links.data.length === 0 ? (
        <p className="text-sm text-slate-500">No share links yet.</p>
      ) : (
        <ul role="list" aria-label="Share links" className="divide-y divide-slate-200 rounded-md bg-white ring-1 ring-slate-200">
          {links.data.map((link) => (
            <li key={link.id} className="flex flex-wrap items-center justify-between gap-3 px-4 py-2 text-sm" data-testid="share-link-row">
              <span className="text-slate-700">
                Created {link.createdAt.toLocaleString()}
                {link.creatorName && ` by ${link.creatorName}`}
                <span className="block text-xs text-slate-600" data-testid="share-link-last-used">
                  {link.lastUsedAt ? `last opened ${link.lastUsedAt.toLocaleString()}` : "never opened"}
                </span>
              </span>
              {link.revokedAt ? (
                <span className="text-xs text-slate-600">revoked {link.revokedAt.toLocaleString()}</span>
              ) : (
                <span className="flex items-center gap-2">
                  {mine[link.id] && <CopyButton value={mine[link.id]!} label="Copy again" />}
                  <Button variant="danger" pending={revoke.isPending && revoke.variables?.linkId === link.id} onClick={() => revoke.mutate({ linkId: link.id })}>
                    Revoke
                  </Button>
                </span>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
