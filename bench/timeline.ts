/**
 * The run timeline (issue 22): fold a run's 2,000 events into its timeline (the same projection the run
 * page and share links use) and render the chart to markup, as a page load or a replay does. Median of
 * repeated renders.
 *
 * Run alone: npx tsx bench/timeline.ts [--quick]
 */
import type { StoredEvent } from "@/server/runs/events/contract";
import { foldRunTimeline, initialRunTimeline } from "@/server/runs/events/fold-run-timeline";
import { applyRunEvents, initialRunEventState } from "@/server/runs/events/fold-run-view";
import { readRunEvent } from "@/server/runs/events/read-run-event";
import { median, round, timed } from "./lib/stats";
import { runStandalone } from "./lib/standalone";

/** A run of 2,000 events: 8 parallel steps, each with model calls, sandbox commands and debug rounds. */
export function syntheticRunEvents(count = 2000): StoredEvent[] {
  const t0 = Date.parse("2026-01-01T00:00:00Z");
  const events: StoredEvent[] = [];
  const push = (ms: number, type: string, payload: Record<string, unknown>) => events.push({ seq: events.length + 1, type, payload, createdAt: new Date(t0 + ms) });
  push(0, "run.started", {});
  push(1500, "llm.call", { stepId: null, role: "planner", model: "gpt-x", tokensIn: 900, tokensOut: 300, costUsd: 0.01, latencyMs: 1400 });
  for (let s = 1; s <= 8; s++) push(1600 + s, "step.started", { stepId: `s${s}`, agent: "coder", description: "d", file: `m${s}.py` });
  let clock = 2000;
  for (let i = 0; events.length < count - 12; i++) {
    const stepId = `s${(i % 8) + 1}`;
    clock += 40;
    if (i % 3 === 0) push(clock, "sandbox.command", { stepId, command: "python -m pytest -q", exitCode: i % 6 === 0 ? 1 : 0, durationMs: 400, stdout: "ok" });
    else if (i % 3 === 1) push(clock, "llm.call", { stepId, role: i % 2 ? "coder" : "debugger", model: "gpt-x", tokensIn: 800, tokensOut: 200, costUsd: 0.004, latencyMs: 900 });
    else push(clock, i % 9 === 2 ? "debug.started" : "llm.tokens", { stepId, attempt: 1, of: 3, role: "coder", text: "x" });
  }
  for (let s = 1; s <= 8; s++) push(clock + s, "step.finished", { stepId: `s${s}`, status: "passed" });
  push(clock + 20, "verification.started", {});
  push(clock + 900, "sandbox.command", { stepId: null, command: "pytest", exitCode: 0, durationMs: 800 });
  push(clock + 1900, "llm.call", { stepId: null, role: "critic", tokensIn: 300, tokensOut: 50, costUsd: 0.002, latencyMs: 900 });
  push(clock + 2000, "run.finished", { status: "succeeded" });
  return events;
}

export async function benchTimeline({ quick = false }: { quick?: boolean } = {}): Promise<Record<string, number>> {
  // React's production build, as the browser runs it (the development build checks every prop): loaded after the
  // setting, in this module's own process (bench/run.ts spawns one per module).
  Object.assign(process.env, { NODE_ENV: "production" });
  const { createElement } = await import("react");
  const { renderToStaticMarkup } = await import("react-dom/server");
  const { RunTimelineView } = await import("@/components/runs/run-timeline");
  const events = syntheticRunEvents(2000);
  // The page parses each event once as it arrives (useRunEventLog); the timeline's work is its fold and its render.
  const parsed = events.map(readRunEvent);
  const render = () => renderToStaticMarkup(createElement(RunTimelineView, { timeline: parsed.reduce(foldRunTimeline, initialRunTimeline) }));
  for (let i = 0; i < 3; i++) render(); // warm the JIT
  const runs = quick ? 9 : 31;
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) samples.push(await timed(render));
  const foldOnly: number[] = [];
  for (let i = 0; i < runs; i++) foldOnly.push(await timed(() => parsed.reduce(foldRunTimeline, initialRunTimeline)));
  const pageFold: number[] = [];
  for (let i = 0; i < runs; i++) pageFold.push(await timed(() => applyRunEvents(initialRunEventState, events)));
  return {
    "timeline.render_ms": round(median(samples)),
    "timeline.fold_ms": round(median(foldOnly)),
    "timeline.page_fold_ms": round(median(pageFold)),
    "timeline.events": events.length,
    "timeline.bars": (render().match(/data-testid="timeline-bar"/g) ?? []).length,
    "timeline.runs": runs,
  };
}

runStandalone(import.meta.url, benchTimeline);
