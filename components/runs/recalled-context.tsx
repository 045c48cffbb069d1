import type { RecalledContext } from "@/server/runs/events/fold-run-view";

const scoreText = (score: number | null) => (score === null ? "" : ` · similarity ${score.toFixed(2)}`);

/** What the planner was told: the past tasks and repository snippets memory retrieved for this run. */
export function RecalledContextPanel({ recalled }: { recalled: RecalledContext | null }) {
  if (!recalled) return <p className="text-sm text-slate-500">Memory has not been consulted yet.</p>;
  if (recalled.memories.length === 0 && recalled.snippets.length === 0) {
    return <p className="text-sm text-slate-500">Nothing similar was found in this project&apos;s memory or repository index.</p>;
  }
  return (
    <div className="grid gap-4 md:grid-cols-2">
      <div className="rounded-lg bg-white p-4 ring-1 ring-slate-200">
        <h3 className="text-sm font-semibold">Similar past tasks ({recalled.memories.length})</h3>
        <ul className="mt-2 space-y-1.5 text-sm" data-testid="recalled-memories">
          {recalled.memories.length === 0 && <li className="text-slate-500">None.</li>}
          {recalled.memories.map((memory, index) => (
            <li key={`${memory.runId ?? index}`} className="break-words">
              {memory.runId ? (
                <a className="text-indigo-700 hover:underline" href={`/runs/${memory.runId}`}>
                  {memory.task}
                </a>
              ) : (
                memory.task
              )}
              <span className="text-xs text-slate-500">{scoreText(memory.score)}</span>
            </li>
          ))}
        </ul>
      </div>
      <div className="rounded-lg bg-white p-4 ring-1 ring-slate-200">
        <h3 className="text-sm font-semibold">Repository snippets ({recalled.snippets.length})</h3>
        <ul className="mt-2 space-y-1.5 font-mono text-xs" data-testid="recalled-snippets">
          {recalled.snippets.length === 0 && <li className="font-sans text-sm text-slate-500">None.</li>}
          {recalled.snippets.map((snippet) => (
            <li key={`${snippet.path}:${snippet.startLine}`} className="break-all">
              {snippet.path}:{snippet.startLine}-{snippet.endLine}
              <span className="font-sans text-slate-500">{scoreText(snippet.score)}</span>
            </li>
          ))}
        </ul>
      </div>
    </div>
  );
}
