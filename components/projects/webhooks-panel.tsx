"use client";

import { useMutation, useQuery } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTRPC } from "@/components/providers/trpc-provider";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { Alert, LoadingState } from "@/components/ui/states";

/** Webhooks told about every finished run (POST JSON, `X-AutoCode-Signature: sha256=<HMAC>`), with their delivery attempts. */
export function WebhooksPanel({ projectId }: { projectId: string }) {
  const trpc = useTRPC();
  const [secret, setSecret] = useState<string | null>(null);
  const hooks = useQuery(trpc.webhook.list.queryOptions({ projectId }));
  const create = useMutation(
    trpc.webhook.create.mutationOptions({
      onSuccess: (row) => {
        setSecret(row.secret);
        void hooks.refetch();
      },
    }),
  );
  const remove = useMutation(trpc.webhook.delete.mutationOptions({ onSuccess: () => void hooks.refetch() }));

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    create.mutate({ projectId, url: String(new FormData(form).get("url") ?? "") }, { onSuccess: () => form.reset() });
  }

  return (
    <section aria-labelledby="webhooks-heading" className="space-y-4 border-t border-slate-200 pt-8">
      <h2 id="webhooks-heading" className="text-lg font-semibold">
        Webhooks
      </h2>
      <p className="text-sm text-slate-600">
        When a run ends (and when a plan waits for review), each URL gets a <code>POST</code> with the run&apos;s outcome (or the plan) as JSON, signed in <code>X-AutoCode-Signature</code> (
        <code>sha256=</code> HMAC of the body with the webhook&apos;s secret). Failed deliveries (5xx, no answer in 10 s) are retried with backoff.
      </p>
      {secret && (
        <Alert tone="success">
          Copy the signing secret now; it will not be shown again:{" "}
          <code data-testid="webhook-secret" className="break-all font-mono">
            {secret}
          </code>
        </Alert>
      )}
      <form onSubmit={submit} className="flex flex-wrap items-end gap-2">
        <div className="min-w-72 flex-1">
          <Field id="webhook-url" name="url" label="Webhook URL" placeholder="https://hooks.example.com/autocode" required />
        </div>
        <Button type="submit" pending={create.isPending}>
          Add webhook
        </Button>
      </form>
      {(create.error ?? remove.error) && <Alert>{(create.error ?? remove.error)!.message}</Alert>}
      {hooks.isPending ? (
        <LoadingState label="Loading webhooks…" />
      ) : (
        <ul className="space-y-3">
          {(hooks.data ?? []).map((hook) => (
            <li key={hook.id} className="rounded-md bg-white p-3 ring-1 ring-slate-200" data-testid="webhook">
              <div className="flex items-center justify-between gap-2">
                <code className="break-all text-sm">{hook.url}</code>
                <Button variant="secondary" pending={remove.isPending} onClick={() => remove.mutate({ webhookId: hook.id })}>
                  Remove
                </Button>
              </div>
              <ul className="mt-2 space-y-0.5 text-xs text-slate-600">
                {hook.deliveries.length === 0 && <li>No deliveries yet.</li>}
                {hook.deliveries.map((d) => (
                  <li key={d.id} data-testid="webhook-delivery">
                    {new Date(d.createdAt).toLocaleString()} · run {d.runId.slice(-8)} · {d.event === "plan.awaiting_approval" ? "plan awaiting review" : "run ended"} · attempt {d.attempt} · {d.ok ? "delivered" : "failed"}
                    {d.httpStatus !== null ? ` (HTTP ${d.httpStatus})` : ""}
                    {d.error && !d.ok ? ` — ${d.error}` : ""} · {d.durationMs} ms
                  </li>
                ))}
              </ul>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
