"use client";

import { memo, useMemo, useState, type KeyboardEvent } from "react";
import { laneBars, orderedLanes, type RunTimeline, type TimelineBar, type TimelineLane } from "@/server/runs/events/fold-run-timeline";
import { formatCost } from "./run-status-badge";

/*
 * Plain SVG, no charting library: a Gantt of a few hundred rectangles needs no scales or layout engine,
 * renders identically on the server and in the browser (no measuring pass, so no layout jank), adds 0 kB,
 * and every bar is a DOM node that can carry a label and take focus (a canvas would be one opaque bitmap).
 */

const AGENT_COLOURS: Record<string, string> = {
  planner: "#7c3aed",
  coder: "#2563eb",
  tester: "#0891b2",
  debugger: "#ea580c",
  critic: "#db2777",
};
const LANE_HEIGHT = 28;
const LABEL_WIDTH = 180;
const CHART_WIDTH = 900;

function barColour(bar: TimelineBar): string {
  if (bar.kind === "llm") return AGENT_COLOURS[bar.label] ?? "#64748b";
  if (bar.timedOut || bar.exitCode === null) return "#d97706";
  return bar.exitCode === 0 ? "#16a34a" : "#dc2626";
}

function seconds(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

export function describeBar(bar: TimelineBar): string {
  const span = seconds(bar.end - bar.start);
  if (bar.kind === "llm") {
    return `${bar.label}${bar.model ? ` (${bar.model})` : ""}: ${bar.tokensIn} tokens in, ${bar.tokensOut} out, ${formatCost(bar.costUsd)}, ${span}`;
  }
  return `${bar.label}: exit ${bar.timedOut ? "timed out" : (bar.exitCode ?? "—")}, ${span}`;
}

/** Scrolls to the event's entry in the log below (a command's row, or the agent's pane for a model call). */
function jumpTo(bar: TimelineBar) {
  const target =
    document.getElementById(`event-${bar.seq}`) ??
    (bar.kind === "llm" ? document.querySelector(`[data-testid="tokens-${CSS.escape(bar.label)}"]`) : null) ??
    document.getElementById(bar.kind === "llm" ? "agents-heading" : "commands-heading");
  if (!target) return;
  if (target instanceof HTMLElement && target.querySelector("details")) target.querySelector("details")!.open = true;
  target.scrollIntoView({ block: "center" });
  if (target instanceof HTMLElement) {
    target.tabIndex = -1;
    target.focus({ preventScroll: true });
  }
}

type Row = { lane: TimelineLane; bars: TimelineBar[] };

/** A lane's tooltip: its label and, for a step, its description. */
export function laneTitle(lane: TimelineLane): string {
  return lane.description ? `${lane.label}: ${lane.description}` : lane.label;
}

const MAX_ZOOM = 64;

/** The visible window of a `span`-long run at `zoom`, centred on `centre` as far as the run's edges allow. */
export function zoomWindow(span: number, zoom: number, centre: number): { from: number; to: number } {
  const width = span / zoom;
  const from = Math.min(Math.max(0, centre - width / 2), span - width);
  return { from, to: from + width };
}

const Chart = memo(function Chart({ rows, span }: { rows: Row[]; span: number }) {
  const bars = useMemo(() => rows.flatMap((row) => row.bars).sort((a, b) => a.start - b.start), [rows]);
  const [active, setActive] = useState<number | null>(null);
  const [zoom, setZoom] = useState(1);
  const [centre, setCentre] = useState(0);
  const view = zoomWindow(span, zoom, centre);
  const x = (ms: number) => LABEL_WIDTH + ((ms - view.from) / (view.to - view.from)) * (CHART_WIDTH - LABEL_WIDTH - 8);
  const height = rows.length * LANE_HEIGHT + 24;
  const current = active === null ? null : bars[Math.min(active, bars.length - 1)];
  // Zooming keeps the focused bar (or the middle of the view) in sight; moving past the edge follows the bar.
  const zoomBy = (factor: number) => {
    setCentre(current ? (current.start + current.end) / 2 : (view.from + view.to) / 2);
    setZoom((z) => Math.min(MAX_ZOOM, Math.max(1, z * factor)));
  };
  const pan = (direction: number) => setCentre((view.from + view.to) / 2 + (direction * (view.to - view.from)) / 2);
  const select = (index: number) => {
    setActive(index);
    const bar = bars[index];
    if (bar && (bar.end < view.from || bar.start > view.to)) setCentre((bar.start + bar.end) / 2);
  };
  const visible = (bar: { start: number; end: number }) => bar.end >= view.from && bar.start <= view.to;

  // One tab stop for the whole chart; arrows move between bars in time order, Enter jumps to the event.
  const onKeyDown = (event: KeyboardEvent<SVGSVGElement>) => {
    if (bars.length === 0) return;
    const step = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 }[event.key];
    if (step !== undefined) {
      event.preventDefault();
      select(active === null ? 0 : Math.max(0, Math.min(bars.length - 1, active + step)));
    } else if (event.key === "Home" || event.key === "End") {
      event.preventDefault();
      select(event.key === "Home" ? 0 : bars.length - 1);
    } else if (event.key === "+" || event.key === "=" || event.key === "-") {
      event.preventDefault();
      zoomBy(event.key === "-" ? 0.5 : 2);
    } else if (event.key === "Enter" && current) {
      jumpTo(current);
    }
  };
  const ticks = Array.from({ length: 6 }, (_, i) => view.from + ((view.to - view.from) * i) / 5);
  const button = "rounded px-2 py-0.5 font-medium text-indigo-700 ring-1 ring-slate-300 hover:bg-slate-50 disabled:text-slate-500";

  return (
    <div className="relative">
      <div className="mb-1 flex flex-wrap items-center gap-2 text-xs text-slate-700" role="group" aria-label="Zoom">
        <button type="button" className={button} onClick={() => zoomBy(2)} disabled={zoom >= MAX_ZOOM} data-testid="timeline-zoom-in">Zoom in</button>
        <button type="button" className={button} onClick={() => zoomBy(0.5)} disabled={zoom <= 1} data-testid="timeline-zoom-out">Zoom out</button>
        <button type="button" className={button} onClick={() => pan(-1)} disabled={view.from <= 0} aria-label="Earlier">←</button>
        <button type="button" className={button} onClick={() => pan(1)} disabled={view.to >= span} aria-label="Later">→</button>
        <span data-testid="timeline-window">
          {zoom > 1 ? `${zoom}×: ${seconds(view.from)} to ${seconds(view.to)}` : "The whole run"}
        </span>
      </div>
      <svg
        role="group"
        aria-label="Run timeline: use the arrow keys to move between model calls and commands, + and - to zoom, Enter to open one in the log"
        aria-describedby="timeline-focused"
        tabIndex={0}
        viewBox={`0 0 ${CHART_WIDTH} ${height}`}
        className="w-full cursor-pointer rounded-md bg-white ring-1 ring-slate-200 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-600"
        onKeyDown={onKeyDown}
        onFocus={() => setActive((index) => index ?? (bars.length ? 0 : null))}
        data-testid="timeline-chart"
      >
        {ticks.map((tick) => (
          <g key={tick} aria-hidden="true">
            <line x1={x(tick)} x2={x(tick)} y1={0} y2={height - 16} stroke="#e2e8f0" />
            <text x={x(tick)} y={height - 4} fontSize={10} textAnchor="middle" fill="#475569">
              {seconds(tick)}
            </text>
          </g>
        ))}
        <defs>
          <clipPath id="timeline-plot">
            <rect x={LABEL_WIDTH} y={0} width={CHART_WIDTH - LABEL_WIDTH} height={height} />
          </clipPath>
        </defs>
        {rows.map(({ lane, bars: laneBarList }, index) => {
          const y = index * LANE_HEIGHT + 4;
          return (
            <g key={lane.id} data-testid="timeline-lane" data-lane={lane.id} data-start={lane.start ?? ""} data-end={lane.end ?? ""}>
              <text x={4} y={y + 16} fontSize={11} fill="#0f172a" data-testid="timeline-lane-label">
                {/* The whole label and what the step does on hover (the chart cuts the label at 28 characters). */}
                <title>{laneTitle(lane)}</title>
                {lane.label.length > 28 ? `${lane.label.slice(0, 27)}…` : lane.label}
              </text>
              <g clipPath="url(#timeline-plot)">
              {lane.start !== null && (
                <rect x={x(lane.start)} y={y + 2} width={Math.max(1, x(lane.end ?? span) - x(lane.start))} height={LANE_HEIGHT - 8} fill="#f1f5f9" rx={3} aria-hidden="true" />
              )}
              {laneBarList.filter(visible).map((bar) => (
                <rect
                  key={bar.seq}
                  x={x(bar.start)}
                  y={y + (bar.kind === "llm" ? 4 : 12)}
                  width={Math.max(2, x(bar.end) - x(bar.start))}
                  height={8}
                  rx={2}
                  fill={barColour(bar)}
                  stroke={current === bar ? "#0f172a" : undefined}
                  strokeWidth={current === bar ? 2 : undefined}
                  data-testid="timeline-bar"
                  data-kind={bar.kind}
                  onMouseEnter={() => select(bars.indexOf(bar))}
                  onClick={() => jumpTo(bar)}
                />
              ))}
              {lane.debugRounds.filter((round) => visible({ start: round.at, end: round.at })).map((round) => (
                <g key={round.seq} data-testid="timeline-debug">
                  <line x1={x(round.at)} x2={x(round.at)} y1={y} y2={y + LANE_HEIGHT - 4} stroke="#ea580c" strokeWidth={2} strokeDasharray="3 2" />
                  <title>{`debug round ${round.attempt}`}</title>
                </g>
              ))}
              </g>
            </g>
          );
        })}
      </svg>
      <p id="timeline-focused" aria-live="polite" className="mt-1 min-h-5 text-xs text-slate-700" data-testid="timeline-detail">
        {current ? describeBar(current) : "Hover or focus a bar for its tokens, cost and latency, or its command."}
      </p>
    </div>
  );
});

function TimelineTable({ rows }: { rows: Row[] }) {
  return (
    <div className="max-h-96 overflow-auto rounded-md ring-1 ring-slate-200">
      <table className="w-full bg-white text-left text-xs" data-testid="timeline-table">
        <caption className="sr-only">Model calls and sandbox commands of this run, by lane</caption>
        <thead className="bg-slate-50 text-slate-700">
          <tr>
            <th scope="col" className="px-2 py-1">Lane</th>
            <th scope="col" className="px-2 py-1">Start</th>
            <th scope="col" className="px-2 py-1">Duration</th>
            <th scope="col" className="px-2 py-1">What</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {rows.flatMap(({ lane, bars }) => [
            ...bars.map((bar) => (
              <tr key={bar.seq}>
                <td className="px-2 py-1" title={lane.description ?? undefined}>{lane.label}</td>
                <td className="px-2 py-1">{seconds(bar.start)}</td>
                <td className="px-2 py-1">{seconds(bar.end - bar.start)}</td>
                <td className="px-2 py-1">
                  <button type="button" className="text-left underline decoration-dotted" onClick={() => jumpTo(bar)}>
                    {describeBar(bar)}
                  </button>
                </td>
              </tr>
            )),
            ...lane.debugRounds.map((round) => (
              <tr key={`debug-${round.seq}`}>
                <td className="px-2 py-1">{lane.label}</td>
                <td className="px-2 py-1">{seconds(round.at)}</td>
                <td className="px-2 py-1">—</td>
                <td className="px-2 py-1">debug round {round.attempt}</td>
              </tr>
            )),
          ])}
        </tbody>
      </table>
    </div>
  );
}

/** The run's timeline (a Gantt of lanes) with a table alternative; live as the fold grows. */
export function RunTimelineView({ timeline }: { timeline: RunTimeline }) {
  const [asTable, setAsTable] = useState(false);
  const rows = useMemo(() => orderedLanes(timeline).map((lane) => ({ lane, bars: laneBars(lane) })), [timeline]);
  if (rows.length === 0) return <p className="text-sm text-slate-500">Nothing has happened yet.</p>;
  // Bars end at their event's time, so the latest event (timeline.now) is the right edge.
  const span = Math.max(1000, timeline.now);
  return (
    <div className="space-y-2" data-testid="run-timeline">
      <div className="flex flex-wrap items-center justify-between gap-2 text-xs text-slate-600">
        <ul className="flex flex-wrap gap-3" aria-label="Legend">
          {[...Object.entries(AGENT_COLOURS), ["exit 0", "#16a34a"], ["exit ≠ 0", "#dc2626"], ["timed out", "#d97706"]].map(([name, colour]) => (
            <li key={name} className="flex items-center gap-1">
              <span aria-hidden="true" className="inline-block h-2.5 w-2.5 rounded-sm" style={{ background: colour }} />
              {name}
            </li>
          ))}
        </ul>
        <button type="button" aria-pressed={asTable} onClick={() => setAsTable((value) => !value)} className="rounded px-2 py-1 font-medium text-indigo-700 ring-1 ring-slate-300 hover:bg-slate-50" data-testid="timeline-toggle">
          {asTable ? "Show as chart" : "Show as table"}
        </button>
      </div>
      {asTable ? <TimelineTable rows={rows} /> : <Chart rows={rows} span={span} />}
    </div>
  );
}
