"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { useTRPC } from "@/components/providers/trpc-provider";
import { InvitationsPanel } from "@/components/settings/invitations-panel";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { Alert, LoadingState } from "@/components/ui/states";

const ROLE_TEXT = { OWNER: "owner", EDITOR: "editor: runs tasks, merges", VIEWER: "viewer: reads runs" } as const;

/** Who can see and change the project; the owner adds people by the email of their account. */
export function MembersPanel({ projectId, isOwner, viewerId }: { projectId: string; isOwner: boolean; viewerId: string | null }) {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const [role, setRole] = useState<"EDITOR" | "VIEWER">("EDITOR");
  const members = useQuery(trpc.project.members.queryOptions({ projectId }));
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.project.members.queryKey({ projectId }) });
  const add = useMutation(trpc.project.addMember.mutationOptions({ onSuccess: refresh }));
  const remove = useMutation(
    trpc.project.removeMember.mutationOptions({
      onSuccess: async (_, input) => {
        if (input.userId !== viewerId) return void refresh();
        // Leaving: every cached list (projects, recent runs) may still show this project.
        await queryClient.invalidateQueries();
        router.push("/projects");
      },
    }),
  );

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    add.mutate({ projectId, email: String(new FormData(form).get("email") ?? ""), role }, { onSuccess: () => form.reset() });
  }

  return (
    <section aria-labelledby="members-heading" className="space-y-4 border-t border-slate-200 pt-8">
      <h2 id="members-heading" className="text-lg font-semibold">
        Members
      </h2>
      {remove.error && <Alert>{remove.error.message}</Alert>}
      {members.isPending ? (
        <LoadingState label="Loading members…" />
      ) : members.isError ? (
        <Alert>{members.error.message}</Alert>
      ) : (
        <ul role="list" aria-label="Project members" className="divide-y divide-slate-200 rounded-lg bg-white shadow-sm ring-1 ring-slate-200">
          {members.data.map((member) => (
            <li key={member.userId} className="flex items-center justify-between gap-4 px-4 py-3 text-sm">
              <div>
                <p className="font-medium">{member.name ?? member.email}</p>
                <p className="text-xs text-slate-500">
                  {member.email} · {ROLE_TEXT[member.role]}
                </p>
              </div>
              {member.role !== "OWNER" && (isOwner || member.userId === viewerId) && (
                <Button
                  variant="danger"
                  pending={remove.isPending && remove.variables?.userId === member.userId}
                  onClick={() => remove.mutate({ projectId, userId: member.userId })}
                >
                  {member.userId === viewerId ? "Leave" : "Remove"}
                </Button>
              )}
            </li>
          ))}
        </ul>
      )}
      {isOwner && (
        <form onSubmit={submit} className="flex flex-wrap items-end gap-3" aria-label="Add a member">
          <div className="min-w-64 flex-1">
            <Field id="member-email" name="email" type="email" label="Add someone by the email of their account" required maxLength={254} error={add.error?.message} />
          </div>
          <label className="space-y-1 text-sm">
            <span className="block font-medium text-slate-700">Role</span>
            <select
              value={role}
              onChange={(event) => setRole(event.target.value as "EDITOR" | "VIEWER")}
              className="block rounded-md border-0 px-3 py-2 text-sm ring-1 ring-inset ring-slate-300 focus:ring-2 focus:ring-indigo-600"
            >
              <option value="EDITOR">Editor</option>
              <option value="VIEWER">Viewer</option>
            </select>
          </label>
          <Button type="submit" pending={add.isPending}>
            Add member
          </Button>
        </form>
      )}
      {isOwner && <InvitationsPanel projectId={projectId} />}
    </section>
  );
}
