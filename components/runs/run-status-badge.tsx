const TONES: Record<string, string> = {
  QUEUED: "bg-slate-100 text-slate-700 ring-slate-300",
  RUNNING: "bg-sky-50 text-sky-800 ring-sky-300",
  AWAITING_APPROVAL: "bg-violet-50 text-violet-900 ring-violet-300",
  SUCCEEDED: "bg-emerald-50 text-emerald-800 ring-emerald-300",
  NEEDS_REVIEW: "bg-amber-100 text-amber-900 ring-amber-400",
  FAILED: "bg-red-50 text-red-800 ring-red-300",
  CANCELLED: "bg-amber-50 text-amber-800 ring-amber-300",
  INTERRUPTED: "bg-amber-50 text-amber-800 ring-amber-300",
};

const LABELS: Record<string, string> = {
  QUEUED: "Queued",
  RUNNING: "Running",
  AWAITING_APPROVAL: "Awaiting approval",
  SUCCEEDED: "Succeeded",
  NEEDS_REVIEW: "Needs review",
  FAILED: "Failed",
  CANCELLED: "Stopped",
  INTERRUPTED: "Interrupted",
};

/** The word every page uses for a run's status. */
export function statusLabel(status: string): string {
  return LABELS[status.toUpperCase()] ?? status;
}

export function RunStatusBadge({ status }: { status: string }) {
  const key = status.toUpperCase();
  return (
    <span data-testid="run-status" data-status={key} className={`inline-flex items-center gap-1.5 rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset ${TONES[key] ?? TONES.QUEUED}`}>
      {key === "RUNNING" && <span aria-hidden="true" className="h-1.5 w-1.5 animate-pulse rounded-full bg-sky-500" />}
      {LABELS[key] ?? status}
    </span>
  );
}

export function formatDuration(from: Date | null, to: Date | null): string {
  if (!from) return "—";
  const ms = (to ?? new Date()).getTime() - from.getTime();
  if (ms < 1000) return `${ms} ms`;
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${s % 60} s`;
}

export function formatCost(usd: number): string {
  return usd === 0 ? "$0" : usd < 0.01 ? `$${usd.toFixed(4)}` : `$${usd.toFixed(2)}`;
}

export function formatTokens(tokensIn: number, tokensOut: number): string {
  const f = (n: number) => (n >= 10_000 ? `${(n / 1000).toFixed(1)}k` : n.toLocaleString("en"));
  return `${f(tokensIn)} in / ${f(tokensOut)} out`;
}
