import type { ReactNode } from "react";
import { TOKEN_CLASS } from "@/components/diff/diff-viewer";
import { languageOf, tokenize } from "@/components/diff/highlight";

type Block = { kind: "code"; lang: string; text: string } | { kind: "heading"; level: number; text: string } | { kind: "list"; ordered: boolean; items: string[] } | { kind: "para"; text: string };

/** Splits Markdown into the blocks a task prompt uses: fenced code, headings, lists, paragraphs. */
export function parseBlocks(source: string): Block[] {
  const blocks: Block[] = [];
  const lines = source.replace(/\r\n?/g, "\n").split("\n");
  for (let i = 0; i < lines.length; ) {
    const line = lines[i]!;
    const fence = /^\s*(`{3,}|~{3,})\s*([\w+-]*)/.exec(line);
    if (fence) {
      const body: string[] = [];
      for (i++; i < lines.length && !lines[i]!.trimStart().startsWith(fence[1]!); i++) body.push(lines[i]!);
      blocks.push({ kind: "code", lang: fence[2] ?? "", text: body.join("\n") });
      i++;
      continue;
    }
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    if (heading) {
      blocks.push({ kind: "heading", level: heading[1]!.length, text: heading[2]! });
      i++;
      continue;
    }
    const item = /^\s*([-*+]|\d+[.)])\s+/;
    if (item.test(line)) {
      const ordered = /\d/.test(item.exec(line)![1]!);
      const items: string[] = [];
      for (; i < lines.length && item.test(lines[i]!); i++) items.push(lines[i]!.replace(item, ""));
      blocks.push({ kind: "list", ordered, items });
      continue;
    }
    if (!line.trim()) {
      i++;
      continue;
    }
    const para: string[] = [];
    for (; i < lines.length && lines[i]!.trim() && !/^\s*(`{3}|~{3}|#{1,6}\s)/.test(lines[i]!) && !item.test(lines[i]!); i++) para.push(lines[i]!);
    blocks.push({ kind: "para", text: para.join("\n") });
  }
  return blocks;
}

/** Inline code, bold and italic; everything else stays text (React escapes it: no HTML from the prompt). */
function inline(text: string): ReactNode[] {
  return text.split(/(`[^`]+`|\*\*[^*]+\*\*|\*[^*\s][^*]*\*)/g).map((part, i) => {
    if (/^`[^`]+`$/.test(part)) return <code key={i} className="rounded bg-slate-100 px-1 font-mono text-[0.9em]">{part.slice(1, -1)}</code>;
    if (/^\*\*[^*]+\*\*$/.test(part)) return <strong key={i}>{part.slice(2, -2)}</strong>;
    if (/^\*[^*]+\*$/.test(part)) return <em key={i}>{part.slice(1, -1)}</em>;
    return part;
  });
}

/** A task prompt rendered as Markdown, code blocks highlighted like the diff. */
export function Markdown({ source }: { source: string }) {
  return (
    <div className="space-y-3 text-sm leading-6 text-slate-800">
      {parseBlocks(source).map((block, i) => {
        if (block.kind === "code") {
          const language = languageOf(`x.${block.lang || "txt"}`);
          return (
            <pre key={i} tabIndex={0} className="overflow-x-auto rounded-md bg-slate-50 p-3 font-mono text-xs leading-5 ring-1 ring-slate-200">
              <code>
                {block.text.split("\n").map((line, n) => (
                  <span key={n} className="block">
                    {tokenize(line, language).map((token, k) => (token.kind === "plain" ? token.text : <span key={k} className={TOKEN_CLASS[token.kind]}>{token.text}</span>))}
                    {"\n"}
                  </span>
                ))}
              </code>
            </pre>
          );
        }
        if (block.kind === "heading") return <p key={i} className="font-semibold">{inline(block.text)}</p>;
        if (block.kind === "list") {
          const List = block.ordered ? "ol" : "ul";
          return (
            <List key={i} className={`${block.ordered ? "list-decimal" : "list-disc"} space-y-1 pl-5`}>
              {block.items.map((item, n) => (
                <li key={n}>{inline(item)}</li>
              ))}
            </List>
          );
        }
        return <p key={i} className="whitespace-pre-wrap break-words">{inline(block.text)}</p>;
      })}
    </div>
  );
}
