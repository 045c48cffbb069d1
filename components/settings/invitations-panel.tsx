"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTRPC } from "@/components/providers/trpc-provider";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { Alert } from "@/components/ui/states";

/**
 * Invitation links for people without an account: into a project (its owner), or to the server (an admin).
 * The link is shown once; only its hash is stored.
 */
export function InvitationsPanel({ projectId }: { projectId?: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [link, setLink] = useState<string | null>(null);
  const [role, setRole] = useState<"EDITOR" | "VIEWER">("EDITOR");
  const pending = useQuery(trpc.invitation.list.queryOptions({ projectId }));
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.invitation.list.queryKey({ projectId }) });
  const create = useMutation(
    trpc.invitation.create.mutationOptions({
      onSuccess: (made) => {
        setLink(`${window.location.origin}/sign-up?invite=${encodeURIComponent(made.token)}&email=${encodeURIComponent(made.email)}`);
        void refresh();
      },
    }),
  );
  const revoke = useMutation(trpc.invitation.revoke.mutationOptions({ onSuccess: refresh }));

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    create.mutate({ email: String(new FormData(form).get("email") ?? ""), projectId, role }, { onSuccess: () => form.reset() });
  }

  return (
    <div className="space-y-3">
      {link && (
        <Alert tone="success">
          Send this link to them; it works once, for that email, for 7 days, and will not be shown again:{" "}
          <code data-testid="invitation-link" className="break-all font-mono">
            {link}
          </code>
        </Alert>
      )}
      <form onSubmit={submit} className="flex flex-wrap items-end gap-3" aria-label="Invite someone">
        <div className="min-w-64 flex-1">
          <Field id={`invite-email-${projectId ?? "server"}`} name="email" type="email" label="Invite someone without an account" required maxLength={254} error={create.error?.message} />
        </div>
        {projectId && (
          <label className="space-y-1 text-sm">
            <span className="block font-medium text-slate-700">Invited as</span>
            <select value={role} onChange={(event) => setRole(event.target.value as "EDITOR" | "VIEWER")} className="block rounded-md border-0 px-3 py-2 text-sm ring-1 ring-inset ring-slate-300">
              <option value="EDITOR">Editor</option>
              <option value="VIEWER">Viewer</option>
            </select>
          </label>
        )}
        <Button type="submit" variant="secondary" pending={create.isPending}>
          Create invitation link
        </Button>
      </form>
      {pending.data && pending.data.length > 0 && (
        <ul role="list" aria-label="Pending invitations" className="divide-y divide-slate-200 rounded-lg bg-white text-sm ring-1 ring-slate-200">
          {pending.data.map((invitation) => (
            <li key={invitation.id} className="flex items-center justify-between gap-4 px-4 py-2">
              <span>
                {invitation.email} <span className="text-xs text-slate-500">· until {invitation.expiresAt.toLocaleDateString()}</span>
              </span>
              <Button variant="danger" pending={revoke.isPending && revoke.variables?.invitationId === invitation.id} onClick={() => revoke.mutate({ invitationId: invitation.id })}>
                Revoke
              </Button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** The server-wide invitations, for admins only (the first account of an install is one). */
export function AdminInvitations() {
  const trpc = useTRPC();
  const me = useQuery(trpc.viewer.me.queryOptions());
  if (!me.data?.isAdmin) return null;
  return (
    <section aria-labelledby="invitations-heading" className="space-y-2">
      <h2 id="invitations-heading" className="text-lg font-semibold">
        Invitations
      </h2>
      <p className="text-sm text-slate-600">As an admin you can invite people to this server (SIGNUP decides whether they need to be invited).</p>
      <InvitationsPanel />
    </section>
  );
}
