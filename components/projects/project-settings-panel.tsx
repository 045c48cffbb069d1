"use client";

import { useState } from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useTRPC } from "@/components/providers/trpc-provider";
import { Alert } from "@/components/ui/states";
import type { TProjectDto } from "@/server/projects/project-schemas";

/** Project defaults an editor may change: plan review for new tasks. */
export function ProjectSettingsPanel({ project }: { project: TProjectDto }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  // What was asked, held in React state from the click on: the mutation's own pending state arrives a tick later,
  // and a controlled box re-rendered in between would flip back to the saved value.
  const [asked, setAsked] = useState<boolean | null>(null);
  const update = useMutation(
    trpc.project.updateSettings.mutationOptions({
      onSuccess: (saved) => queryClient.setQueryData(trpc.project.byId.queryKey({ projectId: project.id }), saved),
      onSettled: () => setAsked(null),
    }),
  );
  return (
    <section aria-labelledby="project-settings-heading" className="space-y-3">
      <h2 id="project-settings-heading" className="text-lg font-semibold">
        Settings
      </h2>
      <div className="space-y-2 rounded-lg bg-white p-5 shadow-sm ring-1 ring-slate-200">
        <label className="flex items-center gap-2 text-sm text-slate-700">
          <input
            type="checkbox"
            className="accent-indigo-600"
            checked={asked ?? project.requirePlanApproval}
            disabled={asked !== null}
            onChange={(event) => {
              setAsked(event.target.checked);
              update.mutate({ projectId: project.id, requirePlanApproval: event.target.checked });
            }}
          />
          Review every new task&apos;s plan before it runs (a task can still opt out)
        </label>
        {update.error && <Alert>{update.error.message}</Alert>}
      </div>
    </section>
  );
}
