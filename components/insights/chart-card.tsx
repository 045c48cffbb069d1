"use client";

import { useState, type ReactNode } from "react";

/** A chart with its text alternative: a toggle between the picture and a table of the same numbers. */
export function ChartCard({ id, title, chart, table, empty }: { id: string; title: string; chart: ReactNode; table: ReactNode; empty?: boolean }) {
  const [asTable, setAsTable] = useState(false);
  return (
    <section aria-labelledby={`${id}-heading`} className="space-y-2 rounded-md bg-white p-4 ring-1 ring-slate-200" data-testid={`insight-${id}`}>
      <div className="flex items-baseline justify-between gap-2">
        <h2 id={`${id}-heading`} className="text-sm font-semibold">
          {title}
        </h2>
        {!empty && (
          <button type="button" aria-pressed={asTable} onClick={() => setAsTable((v) => !v)} className="rounded px-2 py-0.5 text-xs font-medium text-indigo-700 ring-1 ring-slate-300 hover:bg-slate-50" data-testid={`toggle-${id}`}>
            {asTable ? "Show as chart" : "Show as table"}
          </button>
        )}
      </div>
      {empty ? <p className="text-sm text-slate-500">No runs in this range.</p> : asTable ? table : chart}
    </section>
  );
}

export function DataTable({ caption, head, rows }: { caption: string; head: string[]; rows: (string | number)[][] }) {
  return (
    <table className="w-full text-left text-xs" data-testid="data-table">
      <caption className="sr-only">{caption}</caption>
      <thead className="text-slate-600">
        <tr>
          {head.map((h) => (
            <th key={h} scope="col" className="px-2 py-1 font-medium">
              {h}
            </th>
          ))}
        </tr>
      </thead>
      <tbody className="divide-y divide-slate-100">
        {rows.map((row, i) => (
          <tr key={i}>
            {row.map((cell, j) => (
              <td key={j} className="px-2 py-1">
                {cell}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Horizontal bars, one per row, labelled with their values (readable without colour). */
export function BarList({ label, items, format }: { label: string; items: { key: string; value: number }[]; format: (value: number) => string }) {
  const max = Math.max(...items.map((item) => item.value), Number.MIN_VALUE);
  return (
    <ul aria-label={label} className="space-y-1">
      {items.map((item) => (
        <li key={item.key} className="grid grid-cols-[8rem_1fr_5rem] items-center gap-2 text-xs">
          <span className="truncate" title={item.key}>
            {item.key}
          </span>
          <svg aria-hidden="true" viewBox="0 0 100 8" preserveAspectRatio="none" className="h-2.5 w-full">
            <rect width={(item.value / max) * 100} height={8} rx={1} fill="#4f46e5" />
          </svg>
          <span className="text-right tabular-nums">{format(item.value)}</span>
        </li>
      ))}
    </ul>
  );
}
