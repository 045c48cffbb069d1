"use client";

import { MAX_VISIBLE_CHARS, type TokenPane, type TokenStore } from "./token-store";

/** One box per agent and step; text is painted by the TokenStore, not by React. */
export function TokenPanes({ panes, tokens, live }: { panes: TokenPane[]; tokens: TokenStore; live: boolean }) {
  if (panes.length === 0) return <p className="text-sm text-slate-500">{live ? "Waiting for the first agent to answer…" : "No model output was recorded."}</p>;
  return (
    <div className="grid gap-3 lg:grid-cols-2">
      {panes.map((pane) => (
        <figure key={pane.key} className="terminal overflow-hidden rounded-md bg-slate-900 ring-1 ring-slate-800">
          <figcaption className="flex items-center justify-between px-3 py-1.5 text-xs text-slate-300">
            <span className="font-medium capitalize">{pane.role}</span>
            <span className="font-mono text-slate-400">{pane.stepId ?? "run"}</span>
          </figcaption>
          <pre
            ref={(element) => tokens.bind(pane.key, element)}
            data-testid={`tokens-${pane.role}`}
            aria-live="off"
            tabIndex={0}
            aria-label={`${pane.role} output (last ${MAX_VISIBLE_CHARS.toLocaleString("en")} characters)`}
            className="h-56 overflow-auto whitespace-pre-wrap break-words px-3 pb-3 font-mono text-xs leading-relaxed text-slate-100"
          />
        </figure>
      ))}
    </div>
  );
}
