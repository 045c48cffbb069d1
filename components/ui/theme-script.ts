/**
 * Applies the stored choice, or the system's, to <html data-theme>, and follows the system while the choice is
 * "system". Self-contained (no imports, no outer names): the root layout also inlines its source before the first
 * paint. A plain module, not the toggle's "use client" one, so a server component gets the value itself.
 */
export function installTheme(): void {
  try {
    const media = window.matchMedia("(prefers-color-scheme: dark)");
    const apply = () => {
      const choice = localStorage.getItem("theme") || "system";
      document.documentElement.dataset.theme = choice === "system" ? (media.matches ? "dark" : "light") : choice;
    };
    apply();
    media.addEventListener("change", apply);
    (window as unknown as { __applyTheme?: () => void }).__applyTheme = apply;
  } catch {
    // Storage blocked (some privacy modes): the light theme stays.
  }
}

export const THEME_SCRIPT = `(${installTheme.toString()})();`;
