"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTRPC } from "@/components/providers/trpc-provider";
import { Button } from "@/components/ui/button";
import { Alert, LoadingState } from "@/components/ui/states";

const STATE_TEXT = { idle: "Not indexed in this server process yet", indexing: "Indexing…", watching: "Indexed, watching for changes", error: "Indexing failed" } as const;

/** The project's repository index and the memories of past runs (Chroma), with delete. */
export function MemoryPanel({ projectId, canWrite }: { projectId: string; canWrite: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const status = useQuery(trpc.project.indexStatus.queryOptions({ projectId }, { refetchInterval: 10_000 }));
  const memories = useQuery(trpc.project.memories.queryOptions({ projectId }, { retry: false }));
  const remove = useMutation(trpc.project.deleteMemory.mutationOptions({ onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.project.memories.queryKey({ projectId }) }) }));

  return (
    <section aria-labelledby="memory-heading" className="space-y-4 border-t border-slate-200 pt-8">
      <h2 id="memory-heading" className="text-lg font-semibold">
        Repository index and memory
      </h2>
      {status.isPending ? (
        <LoadingState label="Loading index status…" />
      ) : status.isError ? (
        <Alert>{status.error.message}</Alert>
      ) : (
        <p className="text-sm text-slate-700" data-testid="index-status">
          {STATE_TEXT[status.data.state]} · {status.data.files} files, {status.data.chunks} chunks
          {status.data.lastUpdatedAt && ` · updated ${status.data.lastUpdatedAt.toLocaleString()}`}
          {status.data.errors.length > 0 && <span className="block text-red-700">{status.data.errors.slice(0, 3).join("; ")}</span>}
        </p>
      )}
      <div className="space-y-2">
        <h3 className="text-sm font-semibold">Memories of past runs</h3>
        <p className="text-xs text-slate-500">Verified runs are remembered and recalled for similar tasks. Delete one to stop it from being recalled.</p>
        {remove.error && <Alert>{remove.error.message}</Alert>}
        {memories.isPending ? (
          <LoadingState label="Loading memories…" />
        ) : memories.isError ? (
          <Alert tone="info">{memories.error.message}</Alert>
        ) : memories.data.length === 0 ? (
          <p className="text-sm text-slate-500">No memories yet.</p>
        ) : (
          <ul role="list" className="divide-y divide-slate-200 rounded-md bg-white ring-1 ring-slate-200">
            {memories.data.map((memory) => (
              <li key={memory.id} className="flex items-start justify-between gap-3 px-4 py-2 text-sm">
                <div className="min-w-0">
                  <p className="truncate font-medium">{memory.task}</p>
                  <p className="line-clamp-2 text-xs text-slate-500">{memory.summary}</p>
                </div>
                {canWrite && (
                  <Button variant="danger" pending={remove.isPending && remove.variables?.memoryId === memory.id} onClick={() => remove.mutate({ projectId, memoryId: memory.id })}>
                    Delete
                  </Button>
                )}
              </li>
            ))}
          </ul>
        )}
      </div>
    </section>
  );
}
