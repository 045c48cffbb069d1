"use client";

import { useRouter } from "next/navigation";
import { useEffect, useRef } from "react";

const SHORTCUTS: [keys: string, what: string][] = [
  ["?", "Show these shortcuts"],
  ["g then p", "Go to projects"],
  ["g then s", "Go to settings"],
  ["/", "Search the run history"],
  ["Ctrl/⌘ + Enter", "Start the task you are writing"],
  ["Esc", "Close this dialog"],
];

/** Keys typed into a field are the user's text, never shortcuts. */
function typing(target: EventTarget | null): boolean {
  return target instanceof HTMLElement && (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));
}

/** Global shortcuts, listed in a dialog on `?` (a native modal dialog: focus is trapped and Esc closes it). */
export function KeyboardShortcuts() {
  const router = useRouter();
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    let pendingG = 0;
    const onKey = (event: KeyboardEvent) => {
      if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
      if (event.key === "?") {
        event.preventDefault();
        if (!dialog.current?.open) dialog.current?.showModal();
      } else if (event.key === "/") {
        const search = document.querySelector<HTMLInputElement>('input[type="search"]');
        if (search) (event.preventDefault(), search.focus());
      } else if (event.key === "g") {
        pendingG = event.timeStamp;
      } else if (event.timeStamp - pendingG < 1500 && (event.key === "p" || event.key === "s")) {
        pendingG = 0;
        router.push(event.key === "p" ? "/projects" : "/settings");
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [router]);

  return (
    <dialog
      ref={dialog}
      aria-labelledby="shortcuts-heading"
      data-testid="shortcuts-dialog"
      className="m-auto w-full max-w-md rounded-lg bg-white p-6 text-slate-900 shadow-xl ring-1 ring-slate-200 backdrop:bg-slate-900/50"
      onClick={(event) => event.target === dialog.current && dialog.current?.close()}
    >
      <h2 id="shortcuts-heading" className="text-lg font-semibold">
        Keyboard shortcuts
      </h2>
      <dl className="mt-4 space-y-2 text-sm">
        {SHORTCUTS.map(([keys, what]) => (
          <div key={keys} className="flex items-center justify-between gap-4">
            <dt>
              <kbd className="rounded bg-slate-100 px-1.5 py-0.5 font-mono text-xs text-slate-800 ring-1 ring-slate-300">{keys}</kbd>
            </dt>
            <dd className="text-slate-700">{what}</dd>
          </div>
        ))}
      </dl>
      <form method="dialog" className="mt-6 text-right">
        <button type="submit" className="rounded-md bg-indigo-600 px-3.5 py-2 text-sm font-medium text-white hover:bg-indigo-500">
          Close
        </button>
      </form>
    </dialog>
  );
}
