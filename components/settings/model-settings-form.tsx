"use client";

import { useMutation, useQueryClient, useSuspenseQuery } from "@tanstack/react-query";
import { useEffect, useState, type FormEvent } from "react";
import { useTRPC } from "@/components/providers/trpc-provider";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { Alert } from "@/components/ui/states";
import type { TModelConnectionDto as TModelConnection } from "@/server/settings/test-model-connection";

const ROLES = ["planner", "coder", "tester", "debugger", "critic"] as const;
const MODES = [
  ["", "Server default"],
  ["litellm", "LiteLLM proxy"],
  ["openai", "OpenAI"],
  ["deepseek", "DeepSeek"],
  ["local", "Local (Ollama, vLLM)"],
] as const;
type Mode = Exclude<(typeof MODES)[number][0], "">;

/** Per-user model settings. The API key goes one way: it can be set, replaced or removed, never read back. */
export function ModelSettingsForm() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  // Prefetched by app/(app)/settings/page.tsx.
  const settings = useSuspenseQuery(trpc.settings.models.queryOptions());
  const [mode, setMode] = useState<Mode | "">("");
  const [baseUrl, setBaseUrl] = useState("");
  const [models, setModels] = useState<Record<string, string>>({});
  const [newKey, setNewKey] = useState("");
  const [removeKey, setRemoveKey] = useState(false);
  const test = useMutation(trpc.settings.testModels.mutationOptions());
  const save = useMutation(
    trpc.settings.updateModels.mutationOptions({
      onSuccess: (saved) => {
        queryClient.setQueryData(trpc.settings.models.queryKey(), saved);
        setNewKey("");
        setRemoveKey(false);
      },
    }),
  );

  useEffect(() => {
    if (!settings.data) return;
    setMode(settings.data.mode ?? "");
    setBaseUrl(settings.data.baseUrl ?? "");
    setModels(settings.data.models);
  }, [settings.data]);

  const data = settings.data;

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    save.mutate({
      mode: mode || null,
      baseUrl,
      models,
      apiKey: newKey.trim() ? { action: "replace", value: newKey } : removeKey ? { action: "remove" } : { action: "keep" },
    });
  }

  return (
    <form onSubmit={submit} aria-label="Model settings" className="space-y-5 rounded-lg bg-white p-5 shadow-sm ring-1 ring-slate-200">
      {save.error && <Alert>{save.error.message}</Alert>}
      {save.isSuccess && <Alert tone="success">Saved. New runs use these settings.</Alert>}
      <div className="grid gap-4 sm:grid-cols-2">
        <div className="space-y-1">
          <label htmlFor="model-mode" className="block text-sm font-medium text-slate-700">
            Provider
          </label>
          <select
            id="model-mode"
            value={mode}
            onChange={(event) => setMode(event.target.value as Mode | "")}
            className="block w-full rounded-md border-0 py-2 pl-3 pr-8 text-sm ring-1 ring-inset ring-slate-300 focus:ring-2 focus:ring-indigo-600"
          >
            {MODES.map(([value, label]) => (
              <option key={value} value={value}>
                {value === "" ? `${label} (${data.serverDefaults.mode})` : label}
              </option>
            ))}
          </select>
        </div>
        <Field
          id="model-base-url"
          label="Base URL (optional)"
          type="url"
          value={baseUrl}
          onChange={(event) => setBaseUrl(event.target.value)}
          placeholder="The provider's default"
          hint="An OpenAI-compatible endpoint, e.g. http://localhost:4000 for a LiteLLM proxy."
        />
      </div>
      <fieldset className="space-y-2">
        <legend className="text-sm font-medium text-slate-700">Model per agent</legend>
        <div className="grid gap-3 sm:grid-cols-2 lg:grid-cols-3">
          {ROLES.map((role) => (
            <Field
              key={role}
              id={`model-${role}`}
              label={role.charAt(0).toUpperCase() + role.slice(1)}
              value={models[role] ?? ""}
              maxLength={200}
              onChange={(event) => setModels((current) => ({ ...current, [role]: event.target.value }))}
              placeholder={data.serverDefaults.models[role] ?? ""}
            />
          ))}
        </div>
      </fieldset>
      <fieldset className="space-y-2">
        <legend className="text-sm font-medium text-slate-700">API key</legend>
        <p className="text-sm text-slate-600" data-testid="api-key-state">
          {data.hasApiKey ? "A key is stored (encrypted). It is never shown again; enter a new one to replace it." : "No key stored: the server's key for the provider is used."}
        </p>
        <Field
          id="model-api-key"
          label={data.hasApiKey ? "Replace key" : "Key"}
          type="password"
          autoComplete="off"
          value={newKey}
          onChange={(event) => setNewKey(event.target.value)}
          placeholder="sk-…"
        />
        {data.hasApiKey && (
          <label className="flex items-center gap-2 text-sm text-slate-700">
            <input type="checkbox" className="accent-indigo-600" checked={removeKey} disabled={Boolean(newKey)} onChange={(event) => setRemoveKey(event.target.checked)} />
            Remove the stored key
          </label>
        )}
      </fieldset>
      <div className="flex flex-wrap items-center gap-3">
        <Button type="submit" pending={save.isPending}>
          Save model settings
        </Button>
        <Button type="button" variant="secondary" pending={test.isPending} onClick={() => test.mutate({ mode: mode || null, baseUrl, apiKey: newKey.trim() || undefined })}>
          Test connection
        </Button>
      </div>
      <ConnectionResult test={test} />
    </form>
  );
}

function ConnectionResult({ test }: { test: { error: { message: string } | null; data?: TModelConnection } }) {
  if (test.error) return <Alert>{test.error.message}</Alert>;
  const result = test.data;
  if (!result) return null;
  if (!result.ok) {
    return (
      <Alert>
        <span data-testid="connection-result">
          Connection failed: {result.mode} at <code className="font-mono">{result.baseUrl}</code>: {result.error}
        </span>
      </Alert>
    );
  }
  return (
    <Alert tone="success">
      <span data-testid="connection-result">
        Connected to <code className="font-mono">{result.baseUrl}</code> in {result.latencyMs} ms. It lists {result.models.length} model(s)
        {result.models.length > 0 && <>: {result.models.slice(0, 30).join(", ")}{result.models.length > 30 && ", …"}</>}.
      </span>
      {result.missingModels.length > 0 && (
        <span className="mt-1 block">Not listed (the endpoint may still accept them): {result.missingModels.join(", ")}.</span>
      )}
    </Alert>
  );
}
