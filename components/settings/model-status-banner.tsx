"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useTRPC } from "@/components/providers/trpc-provider";

/** First start: says, on every page, that runs cannot work until the model endpoint answers, and where to fix it. */
export function ModelStatusBanner() {
  const trpc = useTRPC();
  const status = useQuery({ ...trpc.settings.modelStatus.queryOptions(), refetchInterval: (query) => (query.state.data?.ok === false ? 30_000 : false) });
  if (!status.data || status.data.ok) return null;
  const { baseUrl, mode, error, envVars } = status.data;
  return (
    <div role="alert" data-testid="model-status-banner" className="border-b border-amber-300 bg-amber-50 text-amber-950">
      <div className="mx-auto max-w-6xl px-4 py-3 text-sm sm:px-6">
        <p className="font-semibold">No working model: runs will fail until the model endpoint answers.</p>
        <p className="mt-1 break-words">
          {mode} at <code className="font-mono">{baseUrl}</code>: {error}
        </p>
        <p className="mt-1">
          Set your own endpoint and key in{" "}
          <Link href="/settings#models-heading" className="font-semibold underline underline-offset-2">
            Settings
          </Link>
          , or set {envVars.map((name, index) => (
            <span key={name}>
              {index > 0 && (index === envVars.length - 1 ? " and " : ", ")}
              <code className="font-mono">{name}</code>
            </span>
          ))}{" "}
          on the server (README, Configuration) and restart it.
        </p>
      </div>
    </div>
  );
}
