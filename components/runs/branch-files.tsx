"use client";

import { useQuery } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { TOKEN_CLASS } from "@/components/diff/diff-viewer";
import { languageOf, tokenize } from "@/components/diff/highlight";
import { useTRPC } from "@/components/providers/trpc-provider";
import { ErrorState, LoadingState } from "@/components/ui/states";

type Dir = { dirs: Map<string, Dir>; files: string[] };

function buildTree(paths: string[]): Dir {
  const root: Dir = { dirs: new Map(), files: [] };
  for (const path of paths) {
    const parts = path.split("/");
    let dir = root;
    for (const part of parts.slice(0, -1)) {
      if (!dir.dirs.has(part)) dir.dirs.set(part, { dirs: new Map(), files: [] });
      dir = dir.dirs.get(part)!;
    }
    dir.files.push(path);
  }
  return root;
}

function TreeLevel({ dir, depth, selected, onSelect }: { dir: Dir; depth: number; selected: string | null; onSelect: (path: string) => void }) {
  return (
    <ul role="list" className={depth ? "ml-3 border-l border-slate-200 pl-2" : ""}>
      {[...dir.dirs.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([name, child]) => (
        <li key={name}>
          <details open={depth < 1}>
            <summary className="cursor-pointer rounded px-1 py-0.5 font-medium text-slate-800 hover:bg-slate-100">{name}/</summary>
            <TreeLevel dir={child} depth={depth + 1} selected={selected} onSelect={onSelect} />
          </details>
        </li>
      ))}
      {dir.files.sort().map((path) => (
        <li key={path}>
          <button
            type="button"
            onClick={() => onSelect(path)}
            aria-current={selected === path ? "true" : undefined}
            className={`w-full truncate rounded px-1 py-0.5 text-left hover:bg-slate-100 ${selected === path ? "bg-indigo-50 font-medium text-indigo-800" : "text-slate-700"}`}
          >
            {path.slice(path.lastIndexOf("/") + 1)}
          </button>
        </li>
      ))}
    </ul>
  );
}

/** Whose files: a run the viewer may read (signed in), or the run behind a share link (read-only, public). */
export type BranchSource = { runId: string } | { token: string };

function FileView({ source, path }: { source: BranchSource; path: string }) {
  const trpc = useTRPC();
  const file = useQuery("token" in source ? trpc.share.file.queryOptions({ token: source.token, path }) : trpc.run.file.queryOptions({ runId: source.runId, path }));
  const language = languageOf(path);
  if (file.isPending) return <LoadingState label={`Loading ${path}…`} />;
  if (file.isError) return <ErrorState message={file.error.message} />;
  if (file.data.binary) return <p className="text-sm text-slate-600">{path} is a binary file ({file.data.size.toLocaleString("en")} bytes).</p>;
  return (
    <figure className="min-w-0 overflow-hidden rounded-md ring-1 ring-slate-200">
      <figcaption className="border-b border-slate-200 bg-slate-50 px-3 py-1.5 font-mono text-xs text-slate-700">{path}</figcaption>
      <pre tabIndex={0} aria-label={`Contents of ${path}`} className="max-h-[32rem] overflow-auto bg-white py-2 font-mono text-xs leading-5" data-testid="branch-file">
        {file.data.content.split("\n").map((line, n) => (
          <span key={n} className="block px-3">
            <span aria-hidden="true" className="mr-3 inline-block w-8 select-none text-right text-slate-600">{n + 1}</span>
            {tokenize(line, language).map((token, k) => (token.kind === "plain" ? token.text : <span key={k} className={TOKEN_CLASS[token.kind]}>{token.text}</span>))}
          </span>
        ))}
      </pre>
    </figure>
  );
}

/** The run's branch as a file tree with a file view; fetched when opened, current at each opening. */
export function BranchFiles({ source }: { source: BranchSource }) {
  const trpc = useTRPC();
  const [open, setOpen] = useState(false);
  const [selected, setSelected] = useState<string | null>(null);
  const files = useQuery(
    "token" in source ? trpc.share.files.queryOptions({ token: source.token }, { enabled: open }) : trpc.run.files.queryOptions({ runId: source.runId }, { enabled: open }),
  );
  const tree = useMemo(() => buildTree((files.data ?? []).filter((f) => f.kind === "file").map((f) => f.path)), [files.data]);
  return (
    <details className="rounded-md bg-white ring-1 ring-slate-200" onToggle={(event) => setOpen(event.currentTarget.open)}>
      <summary className="cursor-pointer select-none px-3 py-2 text-sm font-medium text-slate-800">Browse the branch&apos;s files</summary>
      <div className="border-t border-slate-200 p-3">
        {files.isPending ? (
          <LoadingState label="Loading the file tree…" />
        ) : files.isError ? (
          <ErrorState message={files.error.message} onRetry={() => void files.refetch()} />
        ) : files.data === null ? (
          <p className="text-sm text-slate-600">The run has no branch yet.</p>
        ) : (
          <div className="grid gap-3 md:grid-cols-[16rem_1fr]" data-testid="branch-tree">
            <nav aria-label="Files on the branch" className="max-h-[32rem] overflow-auto font-mono text-xs">
              <TreeLevel dir={tree} depth={0} selected={selected} onSelect={setSelected} />
            </nav>
            {selected ? <FileView source={source} path={selected} /> : <p className="text-sm text-slate-600">Choose a file to read it.</p>}
          </div>
        )}
      </div>
    </details>
  );
}
