import { presentStatus, type StatusIcon, type StatusTone } from "@/server/runs/events/run-status";

/** Each tone's badge colours, light and dark (all at least 4.5:1 for the text). */
export const TONE_CLASSES: Record<StatusTone, string> = {
  neutral: "bg-slate-100 text-slate-700 ring-slate-300",
  info: "bg-sky-50 text-sky-800 ring-sky-300",
  attention: "bg-violet-50 text-violet-900 ring-violet-300",
  success: "bg-emerald-50 text-emerald-800 ring-emerald-300",
  warning: "bg-amber-100 text-amber-900 ring-amber-400",
  danger: "bg-red-50 text-red-800 ring-red-300",
};

const ICON_PATHS: Record<Exclude<StatusIcon, "spinner">, string> = {
  clock: "M8 4.5V8l2.5 1.5M14 8A6 6 0 1 1 2 8a6 6 0 0 1 12 0Z",
  flag: "M4 14V2.5m0 0h7l-1.5 3 1.5 3H4",
  check: "m4 8.5 2.5 2.5L12 5.5",
  eye: "M1.5 8S4 3.5 8 3.5 14.5 8 14.5 8 12 12.5 8 12.5 1.5 8 1.5 8ZM8 10a2 2 0 1 0 0-4 2 2 0 0 0 0 4Z",
  cross: "m4.5 4.5 7 7m0-7-7 7",
  stop: "M5 5h6v6H5z",
  pause: "M6 4.5v7m4-7v7",
};

export function StatusGlyph({ icon, className = "h-3 w-3" }: { icon: StatusIcon; className?: string }) {
  if (icon === "spinner") return <span aria-hidden="true" className="h-1.5 w-1.5 animate-pulse rounded-full bg-sky-500" />;
  return (
    <svg aria-hidden="true" viewBox="0 0 16 16" fill="none" stroke="currentColor" strokeWidth="1.75" strokeLinecap="round" strokeLinejoin="round" className={className}>
      <path d={ICON_PATHS[icon]} />
    </svg>
  );
}

/** The word every page uses for a run's status (server/runs/events/run-status.ts). */
export function statusLabel(status: string): string {
  return presentStatus(status).label;
}

export function RunStatusBadge({ status }: { status: string }) {
  const key = status.toUpperCase();
  const { label, tone, icon } = presentStatus(key);
  return (
    <span data-testid="run-status" data-status={key} className={`inline-flex w-fit shrink-0 items-center gap-1.5 rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset ${TONE_CLASSES[tone]}`}>
      <StatusGlyph icon={icon} />
      {label}
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

/** unpriced: calls to models without a known price; their cost is unknown, never shown as $0. */
export function formatCost(usd: number, unpriced = 0): string {
  const known = usd === 0 ? "$0" : usd < 0.01 ? `$${usd.toFixed(4)}` : `$${usd.toFixed(2)}`;
  if (!unpriced) return known;
  return usd === 0 ? "unknown" : `${known} + unknown`;
}

export function formatTokens(tokensIn: number, tokensOut: number): string {
  const f = (n: number) => (n >= 10_000 ? `${(n / 1000).toFixed(1)}k` : n.toLocaleString("en"));
  return `${f(tokensIn)} in / ${f(tokensOut)} out`;
}
