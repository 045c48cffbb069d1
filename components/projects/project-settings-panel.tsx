"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useTRPC } from "@/components/providers/trpc-provider";
import { Alert } from "@/components/ui/states";
import type { TProjectDto } from "@/server/projects/project-schemas";

/** Project defaults an editor may change: plan review for new tasks. */
export function ProjectSettingsPanel({ project }: { project: TProjectDto }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const update = useMutation(
    trpc.project.updateSettings.mutationOptions({
      onSuccess: (saved) => queryClient.setQueryData(trpc.project.byId.queryKey({ projectId: project.id }), saved),
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
            // While saving, the box shows what was asked (TanStack's optimistic "variables" pattern), not the old value.
            checked={update.isPending ? update.variables.requirePlanApproval : project.requirePlanApproval}
            disabled={update.isPending}
            onChange={(event) => update.mutate({ projectId: project.id, requirePlanApproval: event.target.checked })}
          />
          Review every new task&apos;s plan before it runs (a task can still opt out)
        </label>
        {update.error && <Alert>{update.error.message}</Alert>}
      </div>
    </section>
  );
}
