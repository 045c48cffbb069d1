import type { ReactNode } from "react";

/** Terminal colours on the terminal pane's dark background (each at least 4.5:1 against slate-900). */
const FG: Record<number, string> = {
  30: "text-slate-400", 31: "text-red-400", 32: "text-emerald-400", 33: "text-amber-300", 34: "text-sky-400", 35: "text-purple-300", 36: "text-cyan-300", 37: "text-slate-100",
  90: "text-slate-400", 91: "text-red-300", 92: "text-emerald-300", 93: "text-amber-200", 94: "text-sky-300", 95: "text-purple-200", 96: "text-cyan-200", 97: "text-white",
};

type Style = { fg: string | null; bold: boolean };

/**
 * Renders a command's output as a terminal shows it: SGR colour and bold codes become styles, every other
 * escape sequence (cursor moves, titles) is dropped, and nothing of the text is interpreted as HTML.
 */
export function AnsiText({ text }: { text: string }): ReactNode[] {
  const parts: ReactNode[] = [];
  let style: Style = { fg: null, bold: false };
  // CSI sequences (ESC [ ... final byte) and OSC sequences (ESC ] ... BEL or ESC \).
  const pattern = /\x1b\[([0-9;?]*)([@-~])|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b./g;
  let last = 0;
  const push = (chunk: string) => {
    if (!chunk) return;
    const className = [style.fg, style.bold ? "font-bold" : null].filter(Boolean).join(" ");
    parts.push(className ? <span key={parts.length} className={className}>{chunk}</span> : chunk);
  };
  for (let match = pattern.exec(text); match; match = pattern.exec(text)) {
    push(text.slice(last, match.index));
    last = pattern.lastIndex;
    if (match[2] !== "m") continue;
    for (const code of (match[1] || "0").split(";").map(Number)) {
      if (code === 0) style = { fg: null, bold: false };
      else if (code === 1) style = { ...style, bold: true };
      else if (code === 22) style = { ...style, bold: false };
      else if (code === 39) style = { ...style, fg: null };
      else if (FG[code]) style = { ...style, fg: FG[code]! };
    }
  }
  push(text.slice(last));
  return parts;
}
