"use client";

import { useEffect, useState } from "react";
import { installTheme } from "./theme-script";

type Choice = "system" | "light" | "dark";
const NEXT: Record<Choice, Choice> = { system: "light", light: "dark", dark: "system" };
const LABEL: Record<Choice, string> = { system: "System", light: "Light", dark: "Dark" };

/**
 * Installs the theme where the inline script never ran: Next renders a not-found inside a dynamic route (a dead
 * share link) in the browser only, and scripts React inserts do not execute.
 */
export function ThemeSync() {
  useEffect(() => {
    const applied = (window as unknown as { __applyTheme?: () => void }).__applyTheme;
    if (applied) applied();
    else installTheme();
  }, []);
  return null;
}

/** Cycles System → Light → Dark; the choice is kept in this browser only. */
export function ThemeToggle() {
  const [choice, setChoice] = useState<Choice | null>(null);
  useEffect(() => setChoice((localStorage.getItem("theme") as Choice | null) ?? "system"), []);
  const change = () => {
    const next = NEXT[choice ?? "system"];
    localStorage.setItem("theme", next);
    (window as unknown as { __applyTheme?: () => void }).__applyTheme?.();
    setChoice(next);
  };
  return (
    <button
      type="button"
      onClick={change}
      data-testid="theme-toggle"
      // Set by the effect above: a sign (for people's scripts and the e2e suite) that the page is interactive.
      data-ready={choice ? "true" : undefined}
      aria-label={`Colour theme: ${LABEL[choice ?? "system"]}. Change`}
      title="Colour theme"
      className="whitespace-nowrap rounded-md px-2 py-1.5 text-sm font-medium text-slate-700 hover:bg-slate-100"
    >
      <span aria-hidden="true">{choice === "dark" ? "☾" : choice === "light" ? "☀" : "◐"}</span>
      {/* The word only where there is room; the accessible name always says it. */}
      <span aria-hidden="true" className="hidden sm:inline"> {LABEL[choice ?? "system"]}</span>
    </button>
  );
}
