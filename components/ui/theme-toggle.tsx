"use client";

import { useEffect, useState } from "react";

type Choice = "system" | "light" | "dark";
const NEXT: Record<Choice, Choice> = { system: "light", light: "dark", dark: "system" };
const LABEL: Record<Choice, string> = { system: "System", light: "Light", dark: "Dark" };

/**
 * Runs before the first paint (inlined in the root layout): applies the stored choice, or the system's, to
 * <html data-theme>, and follows the system while the choice is "system". Kept tiny and free of imports.
 */
export const THEME_SCRIPT = `(function(){try{var m=window.matchMedia("(prefers-color-scheme: dark)");function a(){var c=localStorage.getItem("theme")||"system";document.documentElement.dataset.theme=c==="system"?(m.matches?"dark":"light"):c;}a();m.addEventListener("change",a);window.__applyTheme=a;}catch(e){}})();`;

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
