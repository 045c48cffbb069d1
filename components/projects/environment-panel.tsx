"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTRPC } from "@/components/providers/trpc-provider";
import { Button } from "@/components/ui/button";
import { Alert, LoadingState } from "@/components/ui/states";

const STATE_TEXT = { NONE: "Not built yet (the first run builds it)", BUILDING: "Building…", READY: "Ready", FAILED: "Failed" } as const;
const STATE_TONE = { NONE: "bg-slate-100 text-slate-700", BUILDING: "bg-amber-100 text-amber-800", READY: "bg-emerald-100 text-emerald-800", FAILED: "bg-red-100 text-red-800" } as const;

function megabytes(bytes: number | null): string {
  return bytes === null ? "—" : `${(bytes / 1024 / 1024).toFixed(0)} MB`;
}

/** Secrets as NAME=value lines; values never come back from the server, so the box starts empty. */
function parseSecrets(text: string): Record<string, string> {
  const secrets: Record<string, string> = {};
  for (const line of text.split("\n").map((l) => l.trim()).filter(Boolean)) {
    const at = line.indexOf("=");
    if (at > 0) secrets[line.slice(0, at).trim()] = line.slice(at + 1);
  }
  return secrets;
}

/** The project's environment: state, live setup log, image size, build time, trigger; settings, secrets, rebuild. */
export function EnvironmentPanel({ projectId, canWrite }: { projectId: string; canWrite: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const environment = useQuery(trpc.environment.get.queryOptions({ projectId }, { refetchInterval: (query) => (query.state.data?.state === "BUILDING" ? 1000 : 10_000) }));
  const refresh = (data: unknown) => queryClient.setQueryData(trpc.environment.get.queryKey({ projectId }), data as never);
  const update = useMutation(trpc.environment.update.mutationOptions({ onSuccess: refresh }));
  const rebuild = useMutation(trpc.environment.rebuild.mutationOptions({ onSuccess: refresh }));
  const [editing, setEditing] = useState(false);
  const [script, setScript] = useState("");
  const [testCommand, setTestCommand] = useState("");
  const [timeout, setTimeoutS] = useState("");
  const [secrets, setSecrets] = useState("");
  const [language, setLanguage] = useState("");

  if (environment.isPending) return <LoadingState label="Loading the environment…" />;
  if (environment.isError) return <Alert>{environment.error.message}</Alert>;
  const env = environment.data;
  const startEditing = () => {
    setScript(env.setupScript);
    setTestCommand(env.testCommand ?? "");
    setTimeoutS(String(env.setupTimeoutS));
    setSecrets("");
    setLanguage(env.overrides.language ?? "");
    setEditing(true);
  };
  const save = () =>
    update.mutate(
      {
        projectId,
        setupScript: script === env.setupScript && env.overrides.setupScript === null ? undefined : script,
        testCommand: testCommand.trim() === (env.testCommand ?? "") && env.overrides.testCommand === null ? undefined : testCommand.trim() || null,
        setupTimeoutS: Number(timeout) === env.setupTimeoutS ? undefined : Number(timeout),
        language: language === (env.overrides.language ?? "") ? undefined : ((language || null) as "python" | "node" | "none" | null),
        ...(secrets.trim() ? { secrets: parseSecrets(secrets) } : {}),
      },
      { onSuccess: () => setEditing(false) },
    );

  return (
    <section aria-labelledby="environment-heading" className="space-y-4 border-t border-slate-200 pt-8">
      <div className="flex items-center justify-between gap-3">
        <h2 id="environment-heading" className="text-lg font-semibold">
          Environment
        </h2>
        {canWrite && (
          <div className="flex gap-2">
            {!editing && (
              <Button variant="secondary" onClick={startEditing}>
                Edit settings
              </Button>
            )}
            <Button variant="secondary" pending={rebuild.isPending} disabled={env.state === "BUILDING"} onClick={() => rebuild.mutate({ projectId })}>
              Rebuild
            </Button>
          </div>
        )}
      </div>
      <dl className="grid grid-cols-[10rem_1fr] gap-x-4 gap-y-1 text-sm" data-testid="environment-facts">
        <dt className="text-slate-500">State</dt>
        <dd>
          <span data-testid="environment-state" className={`rounded px-2 py-0.5 text-xs font-medium ${STATE_TONE[env.state]}`}>
            {STATE_TEXT[env.state]}
          </span>
          {env.stale && env.state !== "BUILDING" && <span className="ml-2 text-xs text-amber-700">manifests or settings changed: the next run rebuilds it</span>}
        </dd>
        <dt className="text-slate-500">Language</dt>
        <dd>
          {env.language === "node" ? "Node.js / TypeScript" : env.language === "python" ? "Python" : "not recognised"} · tests: {env.framework}
        </dd>
        <dt className="text-slate-500">Test command</dt>
        <dd className="font-mono text-xs">{env.testCommand ?? "—"}</dd>
        <dt className="text-slate-500">Image</dt>
        <dd className="font-mono text-xs">
          {env.imageTag ?? "—"} · {megabytes(env.imageBytes)}
        </dd>
        <dt className="text-slate-500">Build time</dt>
        <dd>{env.buildMs === null ? "—" : `${(env.buildMs / 1000).toFixed(1)} s`}</dd>
        <dt className="text-slate-500">Last build</dt>
        <dd>{env.trigger ?? "—"}{env.finishedAt && ` · ${env.finishedAt.toLocaleString()}`}</dd>
        <dt className="text-slate-500">Setup secrets</dt>
        <dd>{env.secretNames.length ? env.secretNames.join(", ") : "none"}</dd>
      </dl>
      {env.error && (
        <Alert>
          <span data-testid="environment-error">{env.error}</span>
        </Alert>
      )}
      {(update.error || rebuild.error) && <Alert>{update.error?.message ?? rebuild.error?.message}</Alert>}
      {editing && (
        <form
          className="space-y-3 rounded-md bg-white p-4 ring-1 ring-slate-200"
          onSubmit={(event) => {
            event.preventDefault();
            save();
          }}
        >
          <label className="block text-sm">
            <span className="font-medium">Language</span>
            <select aria-label="Language" className="mt-1 block rounded-md border border-slate-300 p-2 text-sm" value={language} onChange={(e) => setLanguage(e.target.value)}>
              <option value="">Detected from the repository</option>
              <option value="python">Python</option>
              <option value="node">Node.js / TypeScript</option>
              <option value="none">None (no environment)</option>
            </select>
          </label>
          <label className="block text-sm">
            <span className="font-medium">Setup script</span> <span className="text-xs text-slate-500">(runs in /workspace, a copy of the repository, with network)</span>
            <textarea aria-label="Setup script" className="mt-1 block h-28 w-full rounded-md border border-slate-300 p-2 font-mono text-xs" value={script} onChange={(e) => setScript(e.target.value)} />
          </label>
          <label className="block text-sm">
            <span className="font-medium">Test command</span> <span className="text-xs text-slate-500">({"{report}"} is the report file; empty: detected)</span>
            <input aria-label="Test command" className="mt-1 block w-full rounded-md border border-slate-300 p-2 font-mono text-xs" value={testCommand} onChange={(e) => setTestCommand(e.target.value)} />
          </label>
          <label className="block text-sm">
            <span className="font-medium">Setup time limit (s)</span>
            <input aria-label="Setup time limit" type="number" min={10} className="mt-1 block w-32 rounded-md border border-slate-300 p-2 text-sm" value={timeout} onChange={(e) => setTimeoutS(e.target.value)} />
          </label>
          <label className="block text-sm">
            <span className="font-medium">Setup secrets</span> <span className="text-xs text-slate-500">(NAME=value per line; replaces the stored ones; only the setup container sees them)</span>
            <textarea aria-label="Setup secrets" className="mt-1 block h-16 w-full rounded-md border border-slate-300 p-2 font-mono text-xs" value={secrets} onChange={(e) => setSecrets(e.target.value)} />
          </label>
          <div className="flex gap-2">
            <Button type="submit" pending={update.isPending}>
              Save
            </Button>
            <Button type="button" variant="secondary" onClick={() => setEditing(false)}>
              Cancel
            </Button>
          </div>
        </form>
      )}
      <details open={env.state === "BUILDING" || env.state === "FAILED"}>
        <summary className="cursor-pointer text-sm font-medium">Setup log</summary>
        <pre data-testid="environment-log" className="mt-2 max-h-80 overflow-auto rounded-md bg-slate-900 p-3 text-xs text-slate-100">
          {env.log || "No build yet."}
        </pre>
      </details>
    </section>
  );
}
