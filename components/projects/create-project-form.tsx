"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { useTRPC } from "@/components/providers/trpc-provider";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { Alert } from "@/components/ui/states";

type SourceKind = "empty" | "url" | "local";

export function CreateProjectForm({ onDone }: { onDone?: () => void }) {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const [kind, setKind] = useState<SourceKind>("empty");
  const create = useMutation(
    trpc.project.create.mutationOptions({
      onSuccess: async (project) => {
        await queryClient.invalidateQueries({ queryKey: trpc.project.list.queryKey() });
        onDone?.();
        router.push(`/projects/${project.id}`);
      },
    }),
  );

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const location = String(form.get("location") ?? "");
    create.mutate({
      name: String(form.get("name") ?? ""),
      description: String(form.get("description") ?? ""),
      source: kind === "empty" ? { kind } : kind === "url" ? { kind, url: location } : { kind, path: location },
    });
  }

  return (
    <form onSubmit={submit} className="space-y-4" aria-label="Create a project">
      {create.error && <Alert>{create.error.message}</Alert>}
      <Field id="project-name" name="name" label="Name" required maxLength={200} placeholder="payments-service" autoFocus />
      <Field id="project-description" name="description" label="Description (optional)" maxLength={2000} />
      <fieldset className="space-y-2">
        <legend className="text-sm font-medium text-slate-700">Start from</legend>
        <div className="flex flex-wrap gap-4 text-sm">
          {(
            [
              ["empty", "An empty repository"],
              ["url", "A git URL"],
              ["local", "A directory on the server"],
            ] as const
          ).map(([value, label]) => (
            <label key={value} className="flex items-center gap-2">
              <input type="radio" name="kind" value={value} checked={kind === value} onChange={() => setKind(value)} className="accent-indigo-600" />
              {label}
            </label>
          ))}
        </div>
      </fieldset>
      {kind !== "empty" && (
        <Field
          id="project-location"
          name="location"
          label={kind === "url" ? "Git URL" : "Server path"}
          required
          placeholder={kind === "url" ? "https://example.com/team/repo.git" : "/srv/code/my-repo"}
          hint={
            kind === "url"
              ? "http(s), ssh or git URLs; file:///path works for directories under the server's LOCAL_IMPORT_ROOTS."
              : "A working copy or a bare repository (repo.git) under the server's LOCAL_IMPORT_ROOTS."
          }
        />
      )}
      <div className="flex gap-3">
        <Button type="submit" pending={create.isPending}>
          Create project
        </Button>
        {onDone && (
          <Button type="button" variant="secondary" onClick={onDone}>
            Cancel
          </Button>
        )}
      </div>
    </form>
  );
}
