"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTRPC } from "@/components/providers/trpc-provider";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { Alert } from "@/components/ui/states";

/** Where run branches are pushed and pull requests opened; the token is write-only (only "set" shows). */
export function RemotePanel({ projectId }: { projectId: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const remote = useQuery(trpc.project.remote.queryOptions({ projectId }));
  const key = trpc.project.remote.queryKey({ projectId });
  const save = useMutation(trpc.project.setRemote.mutationOptions({ onSuccess: (saved) => queryClient.setQueryData(key, saved) }));
  const remove = useMutation(trpc.project.deleteRemote.mutationOptions({ onSuccess: () => queryClient.setQueryData(key, null) }));
  const [draft, setDraft] = useState<{ provider: "github" | "gitlab"; url: string; apiUrl: string; token: string } | null>(null);
  const current = draft ?? { provider: remote.data?.provider ?? "github", url: remote.data?.url ?? "", apiUrl: remote.data?.apiUrl ?? "", token: "" };
  const change = (patch: Partial<typeof current>) => setDraft({ ...current, ...patch });

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    save.mutate(
      { projectId, provider: current.provider, url: current.url, apiUrl: current.apiUrl.trim() || undefined, token: current.token.trim() || undefined },
      { onSuccess: () => setDraft(null) },
    );
  }

  return (
    <section aria-labelledby="remote-heading" className="space-y-3">
      <h2 id="remote-heading" className="text-lg font-semibold">
        Remote
      </h2>
      <form onSubmit={submit} aria-label="Remote" className="space-y-3 rounded-lg bg-white p-5 shadow-sm ring-1 ring-slate-200">
        <p className="text-sm text-slate-600">Run pages can push their branch here and open a pull request (GitHub) or merge request (GitLab).</p>
        <div className="space-y-1">
          <label htmlFor="remote-provider" className="block text-sm font-medium text-slate-700">
            Host
          </label>
          <select id="remote-provider" className="rounded-md px-3 py-2 text-sm ring-1 ring-inset ring-slate-300" value={current.provider} onChange={(e) => change({ provider: e.target.value as "github" | "gitlab" })}>
            <option value="github">GitHub (or GitHub Enterprise)</option>
            <option value="gitlab">GitLab (or self-hosted GitLab)</option>
          </select>
        </div>
        <Field id="remote-url" label="Repository URL" placeholder="https://github.com/acme/shop.git" value={current.url} onChange={(e) => change({ url: e.target.value })} required />
        <Field id="remote-api-url" label="API base URL (optional)" hint="Empty: https://api.github.com, <host>/api/v3 for GitHub Enterprise, <host>/api/v4 for GitLab." value={current.apiUrl} onChange={(e) => change({ apiUrl: e.target.value })} />
        <Field
          id="remote-token"
          label="Token"
          type="password"
          autoComplete="off"
          placeholder={remote.data?.tokenSet ? "A token is set; type a new one to replace it" : "A token with push and pull-request rights"}
          value={current.token}
          onChange={(e) => change({ token: e.target.value })}
        />
        <div className="flex flex-wrap gap-2">
          <Button type="submit" pending={save.isPending} disabled={!current.url.trim()}>
            Save remote
          </Button>
          {remote.data && (
            <Button variant="danger" pending={remove.isPending} onClick={() => remove.mutate({ projectId })}>
              Remove remote
            </Button>
          )}
        </div>
        {remote.data && <p className="text-xs text-slate-500" data-testid="remote-status">Pushes to {remote.data.repository} · token {remote.data.tokenSet ? "set" : "not set"}</p>}
        {(save.error ?? remove.error) && <Alert>{(save.error ?? remove.error)!.message}</Alert>}
      </form>
    </section>
  );
}
