"use client";

import { useMutation, useQuery } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTRPC } from "@/components/providers/trpc-provider";
import { Button } from "@/components/ui/button";
import { CopyButton } from "@/components/ui/copy-button";
import { Field } from "@/components/ui/field";
import { Alert, LoadingState } from "@/components/ui/states";

const when = (date: Date | null) => (date ? new Date(date).toLocaleString() : "never");

/**
 * Client URLs: a base address for the original AutoCodeAI clients (client.js, the OpenCode plugin), which
 * can set nothing but a URL. The full URL is shown once; it is the secret.
 */
export function ClientUrlsPanel({ projectId, canRevokeAll, viewerName }: { projectId: string; canRevokeAll: boolean; viewerName: string | null }) {
  const trpc = useTRPC();
  const [created, setCreated] = useState<string | null>(null);
  const urls = useQuery(trpc.clientUrl.list.queryOptions({ projectId }));
  const refresh = () => urls.refetch();
  const create = useMutation(
    trpc.clientUrl.create.mutationOptions({
      onSuccess: (row) => {
        setCreated(`${window.location.origin}${row.path}`);
        void refresh();
      },
    }),
  );
  const revoke = useMutation(trpc.clientUrl.revoke.mutationOptions({ onSuccess: refresh }));

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    create.mutate({ projectId, name: String(new FormData(form).get("name") ?? "") }, { onSuccess: () => form.reset() });
  }

  return (
    <section aria-labelledby="client-urls-heading" className="space-y-4 border-t border-slate-200 pt-8">
      <h2 id="client-urls-heading" className="text-lg font-semibold">
        Client URLs
      </h2>
      <p className="text-sm text-slate-600">
        For the original AutoCodeAI clients: use the URL as their base URL. It answers the original API (<code>/api/agent/run</code>,{" "}
        <code>/api/agent/stream</code>, <code>/api/ws</code>, ...) for this project only, and starts tasks as you.
      </p>
      <Alert>
        A URL can end up in server, proxy and browser logs and in shell history: anyone who has it can start tasks here. Make one per
        client, and revoke it when it is no longer needed.
      </Alert>
      {created && (
        <Alert tone="success">
          Copy this client URL now; it will not be shown again:{" "}
          <code data-testid="new-client-url" className="break-all font-mono">
            {created}
          </code>{" "}
          <CopyButton value={created} label="Copy URL" />
        </Alert>
      )}
      {revoke.error && <Alert>{revoke.error.message}</Alert>}
      {urls.isPending ? (
        <LoadingState label="Loading client URLs…" />
      ) : urls.isError ? (
        <Alert>{urls.error.message}</Alert>
      ) : urls.data.length === 0 ? (
        <p className="text-sm text-slate-500">No client URLs yet.</p>
      ) : (
        <ul role="list" aria-label="Client URLs" className="divide-y divide-slate-200 rounded-lg bg-white shadow-sm ring-1 ring-slate-200">
          {urls.data.map((url) => (
            <li key={url.id} className="flex items-center justify-between gap-4 px-4 py-3 text-sm" data-testid="client-url-row">
              <div>
                <p className="font-medium">{url.name}</p>
                <p className="font-mono text-xs text-slate-500">
                  /c/{url.prefix}… · by {url.creator} · created {when(url.createdAt)} · last used <span data-testid="client-url-last-used">{when(url.lastUsedAt)}</span>
                  {url.revokedAt && ` · revoked ${when(url.revokedAt)}`}
                </p>
              </div>
              {!url.revokedAt && (canRevokeAll || url.creator === viewerName) && (
                <Button variant="danger" pending={revoke.isPending && revoke.variables?.clientUrlId === url.id} onClick={() => revoke.mutate({ projectId, clientUrlId: url.id })}>
                  Revoke
                </Button>
              )}
            </li>
          ))}
        </ul>
      )}
      <form onSubmit={submit} className="flex flex-wrap items-end gap-3" aria-label="Make a client URL">
        <div className="min-w-64 flex-1">
          <Field id="client-url-name" name="name" label="Client URL name" placeholder="my laptop's OpenCode" required maxLength={100} error={create.error?.message} />
        </div>
        <Button type="submit" pending={create.isPending}>
          Make client URL
        </Button>
      </form>
    </section>
  );
}
