"use client";

import { useMutation, useQueryClient, useSuspenseQuery } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTRPC } from "@/components/providers/trpc-provider";
import { Button } from "@/components/ui/button";
import { CopyButton } from "@/components/ui/copy-button";
import { Field } from "@/components/ui/field";
import { Alert, EmptyState } from "@/components/ui/states";

export function ApiTokens() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const tokens = useSuspenseQuery(trpc.token.list.queryOptions());
  const [created, setCreated] = useState<string | null>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.token.list.queryKey() });
  const create = useMutation(trpc.token.create.mutationOptions({ onSuccess: (token) => (setCreated(token.token), refresh()) }));
  const revoke = useMutation(trpc.token.revoke.mutationOptions({ onSuccess: refresh }));

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    create.mutate({ name: String(new FormData(form).get("name") ?? "") }, { onSuccess: () => form.reset() });
  }

  return (
    <section aria-labelledby="tokens-heading" className="space-y-4">
      <h2 id="tokens-heading" className="text-lg font-semibold">
        API tokens
      </h2>
      <p className="text-sm text-slate-600">
        Scripts use a token as <code className="rounded bg-slate-100 px-1">Authorization: Bearer &lt;token&gt;</code> on the tRPC
        API, the MCP server at <code className="rounded bg-slate-100 px-1">/mcp</code> (for coding agents) and the original HTTP endpoints.
      </p>
      {created && (
        <Alert tone="success">
          Copy this token now; it will not be shown again:{" "}
          <code data-testid="new-token" className="break-all font-mono">
            {created}
          </code>{" "}
          <CopyButton value={created} label="Copy token" />
        </Alert>
      )}
      <form onSubmit={submit} className="flex items-end gap-3">
        <div className="flex-1">
          <Field id="token-name" name="name" label="Token name" required maxLength={100} placeholder="CI script" error={create.error?.message} />
        </div>
        <Button type="submit" pending={create.isPending}>
          Create token
        </Button>
      </form>
      {tokens.data.length === 0 ? (
        <EmptyState title="No API tokens">Create one to call AutoCodeAI from scripts.</EmptyState>
      ) : (
        <ul role="list" className="divide-y divide-slate-200 rounded-lg bg-white shadow-sm ring-1 ring-slate-200">
          {tokens.data.map((token) => (
            <li key={token.id} className="flex items-center justify-between gap-4 px-4 py-3 text-sm">
              <div>
                <p className="font-medium">{token.name}</p>
                <p className="font-mono text-xs text-slate-500">
                  {token.prefix}… · created {token.createdAt.toLocaleDateString()}
                  {token.lastUsedAt ? ` · last used ${token.lastUsedAt.toLocaleString()}` : " · never used"}
                </p>
              </div>
              {token.revokedAt ? (
                <span className="text-xs text-slate-500">revoked</span>
              ) : (
                <Button variant="danger" pending={revoke.isPending && revoke.variables?.tokenId === token.id} onClick={() => revoke.mutate({ tokenId: token.id })}>
                  Revoke
                </Button>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
