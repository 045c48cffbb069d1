"use client";

import { memo, useEffect, useId, useMemo, useRef, useState } from "react";
import { languageOf, tokenize, type Token } from "./highlight";
import { COLLAPSE_ABOVE_ROWS, patchRows, type PatchRow } from "./patch-rows";
import { useRowWindow } from "./use-row-window";

/** One file of a run's combined diff: the shape `diffRun` returns per file. */
export type DiffViewerFile = {
  path: string;
  oldPath?: string;
  status: "added" | "modified" | "deleted" | "renamed";
  added: number;
  removed: number;
  binary: boolean;
  patch: string;
  /** Its patch was left out of the page's first diff (a large file, shown collapsed): `held.load` brings it. */
  held?: boolean;
};

/** How a page brings the patches it held back: asked once when a held file is opened, again by `retry` after a failure. */
export type HeldPatches = { load: () => void; retry: () => void; pending: boolean; error: string | null };

export type DiffViewerProps = {
  files: readonly DiffViewerFile[];
  /** Files with more rows than this start collapsed. */
  collapseAbove?: number;
  held?: HeldPatches;
  /** What the reader opened or closed, by path, kept by the page: a viewer made anew (the run committed more) keeps it. */
  remembered?: Map<string, boolean>;
};

export const TOKEN_CLASS: Record<Token["kind"], string> = {
  keyword: "text-purple-700 font-semibold",
  string: "text-emerald-700",
  comment: "text-zinc-600 italic",
  number: "text-sky-700",
  plain: "",
};

const STATUS_CLASS: Record<DiffViewerFile["status"], string> = {
  added: "bg-green-100 text-green-800",
  modified: "bg-amber-100 text-amber-800",
  deleted: "bg-red-100 text-red-800",
  renamed: "bg-sky-100 text-sky-800",
};

/** The combined diff of a run, one collapsible section per file. */
export function DiffViewer({ files, collapseAbove = COLLAPSE_ABOVE_ROWS, held, remembered }: DiffViewerProps) {
  const rowsByFile = useMemo(() => files.map((file) => patchRows(file.patch)), [files]);
  const [expanded, setExpanded] = useState<boolean[]>(() => rowsByFile.map((rows, i) => remembered?.get(files[i]!.path) ?? (!files[i]?.held && rows.length <= collapseAbove)));
  useEffect(() => {
    expanded.forEach((open, i) => remembered?.set(files[i]!.path, open));
  }, [expanded, files, remembered]);
  // An open file whose patch was held back: the page brings the whole diff (once; its files replace these).
  const openHeld = files.some((file, i) => file.held && expanded[i]);
  const load = held?.load;
  useEffect(() => {
    if (openHeld) load?.();
  }, [openHeld, load]);
  const added = files.reduce((sum, f) => sum + f.added, 0);
  const removed = files.reduce((sum, f) => sum + f.removed, 0);

  if (files.length === 0) return <p className="text-sm text-zinc-600">No changes.</p>;
  const setAll = (value: boolean) => setExpanded(files.map(() => value));
  return (
    <section aria-label="Changes" className="flex flex-col gap-3">
      <div className="flex items-center gap-3 text-sm">
        <span>
          {files.length} file{files.length === 1 ? "" : "s"} changed,{" "}
          <span className="text-green-700">+{added}</span>{" "}
          <span className="text-red-700">−{removed}</span>
        </span>
        <button type="button" className="ml-auto rounded border border-zinc-300 px-2 py-0.5 hover:bg-zinc-100 focus-visible:outline-2" onClick={() => setAll(true)}>
          Expand all
        </button>
        <button type="button" className="rounded border border-zinc-300 px-2 py-0.5 hover:bg-zinc-100 focus-visible:outline-2" onClick={() => setAll(false)}>
          Collapse all
        </button>
      </div>
      {files.map((file, index) => (
        <FileDiff
          key={`${file.oldPath ?? ""}->${file.path}`}
          file={file}
          rows={rowsByFile[index] ?? []}
          open={expanded[index] ?? true}
          held={held}
          onToggle={() => setExpanded((prev) => files.map((_, i) => (i === index ? !(prev[i] ?? true) : (prev[i] ?? true))))}
        />
      ))}
    </section>
  );
}

function FileDiff({ file, rows, open, held, onToggle }: { file: DiffViewerFile; rows: PatchRow[]; open: boolean; held?: HeldPatches; onToggle: () => void }) {
  const bodyId = useId();
  const language = useMemo(() => languageOf(file.path), [file.path]);
  return (
    <div className="overflow-hidden rounded-md border border-zinc-200">
      <h3 className="m-0">
        <button
          type="button"
          aria-expanded={open}
          aria-controls={bodyId}
          onClick={onToggle}
          className="flex w-full items-center gap-2 bg-zinc-50 px-3 py-2 text-left font-mono text-sm hover:bg-zinc-100 focus-visible:outline-2"
        >
          <span aria-hidden="true" className="inline-block w-3">{open ? "▾" : "▸"}</span>
          <span className="truncate">{file.oldPath ? `${file.oldPath} → ${file.path}` : file.path}</span>
          <span className={`rounded px-1.5 text-xs ${STATUS_CLASS[file.status]}`}>{file.status}</span>
          <span className="ml-auto shrink-0 text-xs">
            <span className="text-green-700" aria-label={`${file.added} added`}>+{file.added}</span>{" "}
            <span className="text-red-700" aria-label={`${file.removed} removed`}>−{file.removed}</span>
          </span>
        </button>
      </h3>
      {/* A collapsed file renders none of its lines; the empty body keeps aria-controls pointing somewhere. */}
      <div id={bodyId} hidden={!open}>
        {!open ? null : file.held ? (
          held?.error ? (
            <div role="alert" className="flex flex-wrap items-center gap-3 px-3 py-2 text-sm text-red-700">
              <span>The file&apos;s changes could not be loaded: {held.error}</span>
              <button
                type="button"
                disabled={held.pending}
                onClick={held.retry}
                className="rounded border border-zinc-300 px-2 py-0.5 text-zinc-800 hover:bg-zinc-100 focus-visible:outline-2 disabled:opacity-50"
              >
                {held.pending ? "Trying again…" : "Try again"}
              </button>
            </div>
          ) : (
            <p role="status" className="px-3 py-2 text-sm text-zinc-600">Loading the file&apos;s changes…</p>
          )
        ) : file.binary ? (
          <p className="px-3 py-2 text-sm text-zinc-600">Binary file not shown.</p>
        ) : rows.length === 0 ? (
          <p className="px-3 py-2 text-sm text-zinc-600">{file.status === "renamed" ? "Renamed without changes." : "No textual changes."}</p>
        ) : (
          <FileRows rows={rows} language={language} />
        )}
      </div>
    </div>
  );
}

/**
 * A file's lines, windowed: only the rows on screen (plus overscan) are in the DOM and highlighted, with one
 * spacer row above and one below standing in for the rest, so a 130k-character file costs a screenful of rows.
 */
function FileRows({ rows, language }: { rows: PatchRow[]; language: ReturnType<typeof languageOf> }) {
  const table = useRef<HTMLTableElement>(null);
  const { start, end, rowHeight } = useRowWindow(table, rows.length);
  const visible = rows.slice(start, end);
  return (
    <div className="overflow-x-auto">
      <table ref={table} className="w-full border-collapse font-mono text-xs leading-5" data-rows={rows.length}>
        <tbody>
          {start > 0 && <Spacer height={start * rowHeight} />}
          {visible.map((row, i) => (
            <Row key={start + i} index={start + i} row={row} language={language} />
          ))}
          {end < rows.length && <Spacer height={(rows.length - end) * rowHeight} />}
        </tbody>
      </table>
    </div>
  );
}

function Spacer({ height }: { height: number }) {
  return (
    <tr aria-hidden="true" data-spacer="">
      <td colSpan={3} className="p-0" style={{ height }} />
    </tr>
  );
}

const Row = memo(function Row({ row, index, language }: { row: PatchRow; index: number; language: ReturnType<typeof languageOf> }) {
  const gutter = "w-12 select-none px-2 text-right align-top text-zinc-600";
  if (row.kind === "hunk" || row.kind === "note") {
    return (
      <tr className="bg-sky-50 text-sky-800" data-row={index}>
        <td className={gutter} />
        <td className={gutter} />
        <td className="whitespace-pre px-2">{row.kind === "note" ? `\\ ${row.text}` : row.text}</td>
      </tr>
    );
  }
  const style =
    row.kind === "added" ? "bg-green-50" : row.kind === "removed" ? "bg-red-50" : "";
  const sign = row.kind === "added" ? "+" : row.kind === "removed" ? "-" : " ";
  return (
    <tr className={style} data-kind={row.kind} data-row={index}>
      <td className={gutter}>{row.kind === "added" ? "" : row.oldLine}</td>
      <td className={gutter}>{row.kind === "removed" ? "" : row.newLine}</td>
      <td className="whitespace-pre px-2">
        <span aria-hidden="true" className="select-none text-zinc-600">{sign}</span>
        <span className="sr-only">{row.kind === "added" ? "added: " : row.kind === "removed" ? "removed: " : ""}</span>
        {tokenize(row.text, language).map((token, i) =>
          token.kind === "plain" ? <span key={i}>{token.text}</span> : <span key={i} className={TOKEN_CLASS[token.kind]}>{token.text}</span>,
        )}
      </td>
    </tr>
  );
});
