/**
 * A run's timeline, folded from the same ordered event log as the run record (a pure projection beside
 * foldRunRecord): one lane per step plus the planner, the final verification and the critic; a bar per
 * model call and per sandbox command, debug rounds as marks. Browser-safe, so the run page, a share link
 * and a replay draw the same picture from any prefix of the log.
 */
import { assertNever, type RunEvent } from "./contract";

export type TimelineLaneKind = "planner" | "step" | "verification" | "critic";

export interface TimelineBar {
  seq: number;
  kind: "llm" | "command";
  /** Milliseconds since the timeline's origin (the first event). */
  start: number;
  end: number;
  /** llm: the agent role; command: the command line. */
  label: string;
  model: string | null;
  tokensIn: number;
  tokensOut: number;
  costUsd: number;
  exitCode: number | null;
  timedOut: boolean;
}

export interface TimelineLane {
  id: string;
  kind: TimelineLaneKind;
  label: string;
  /** A step's description (its lane's tooltip says what the step does); null for the fixed lanes. */
  description: string | null;
  /** The lane's own span (a step's start to finish); null ends mean still running. */
  start: number | null;
  end: number | null;
  /** The lane's bars, newest first, as a shared list: appending is O(1), so a 2,000-event log folds fast. Read with laneBars. */
  lastBar: BarNode | null;
  debugRounds: { seq: number; at: number; attempt: number }[];
}

interface BarNode {
  bar: TimelineBar;
  prev: BarNode | null;
}

/** A lane's bars in the order they were recorded. */
export function laneBars(lane: TimelineLane): TimelineBar[] {
  const bars: TimelineBar[] = [];
  for (let node = lane.lastBar; node; node = node.prev) bars.push(node.bar);
  return bars.reverse();
}

export interface RunTimeline {
  origin: number | null;
  /** The latest moment seen (ms since origin): the right edge of the chart while a run goes. */
  now: number;
  lanes: TimelineLane[];
  finished: boolean;
}

export const initialRunTimeline: RunTimeline = { origin: null, now: 0, lanes: [], finished: false };

const FIXED: Record<Exclude<TimelineLaneKind, "step">, string> = { planner: "Planner", verification: "Final verification", critic: "Critic" };

function upsertLane(lanes: TimelineLane[], id: string, kind: TimelineLaneKind, label: string, change: (lane: TimelineLane) => TimelineLane): TimelineLane[] {
  const index = lanes.findIndex((lane) => lane.id === id);
  const lane = index >= 0 ? lanes[index]! : { id, kind, label, description: null, start: null, end: null, lastBar: null, debugRounds: [] };
  const next = change(lane);
  if (index < 0) return [...lanes, next];
  const copy = lanes.slice();
  copy[index] = next;
  return copy;
}

/** Which lane an event without a step belongs to: the critic by role, else the run's current phase. */
function laneFor(state: RunTimeline, stepId: string | null, role: string | null): { id: string; kind: TimelineLaneKind; label: string } {
  if (stepId) return { id: `step:${stepId}`, kind: "step", label: stepId };
  if (role === "critic") return { id: "critic", kind: "critic", label: FIXED.critic };
  if (role === "planner" || !state.lanes.some((lane) => lane.kind === "step")) return { id: "planner", kind: "planner", label: FIXED.planner };
  return { id: "verification", kind: "verification", label: FIXED.verification };
}

function addBar(state: RunTimeline, stepId: string | null, role: string | null, bar: TimelineBar): RunTimeline {
  const where = laneFor(state, stepId, role);
  const lanes = upsertLane(state.lanes, where.id, where.kind, where.label, (lane) => ({
    id: lane.id,
    kind: lane.kind,
    label: lane.label,
    description: lane.description,
    start: lane.start === null ? bar.start : Math.min(lane.start, bar.start),
    end: lane.end,
    lastBar: { bar, prev: lane.lastBar },
    debugRounds: lane.debugRounds,
  }));
  return { origin: state.origin, now: state.now, lanes, finished: state.finished };
}

/** One bar, written out in full (object literals of one shape keep the fold of 2,000 events fast). */
function makeBar(seq: number, kind: TimelineBar["kind"], start: number, end: number, label: string, llm: { model: string | null; tokensIn: number; tokensOut: number; costUsd: number } | null, command: { exitCode: number | null; timedOut: boolean } | null): TimelineBar {
  return {
    seq,
    kind,
    start,
    end,
    label,
    model: llm ? llm.model : null,
    tokensIn: llm ? llm.tokensIn : 0,
    tokensOut: llm ? llm.tokensOut : 0,
    costUsd: llm ? llm.costUsd : 0,
    exitCode: command ? command.exitCode : null,
    timedOut: command ? command.timedOut : false,
  };
}

/** Folds one event (in seq order) into the timeline. */
export function foldRunTimeline(state: RunTimeline, event: RunEvent): RunTimeline {
  const time = event.createdAt.getTime();
  const origin = state.origin ?? time;
  const at = Math.max(0, time - origin);
  const now = Math.max(state.now, at);
  // Most events only move the clock: the same state when they do not even do that.
  const base: RunTimeline = origin === state.origin && now === state.now ? state : { origin, now, lanes: state.lanes, finished: state.finished };
  switch (event.type) {
    case "step.started": {
      const p = event.payload;
      const label = `${p.stepId} · ${p.agent}${p.file ? ` · ${p.file}` : ""}`;
      return { ...base, lanes: upsertLane(base.lanes, `step:${p.stepId}`, "step", p.stepId, (lane) => ({ ...lane, label, description: p.description || null, start: at, end: null })) };
    }
    case "step.finished":
      return { ...base, lanes: upsertLane(base.lanes, `step:${event.payload.stepId}`, "step", event.payload.stepId, (lane) => ({ ...lane, start: lane.start ?? at, end: at })) };
    case "debug.started": {
      const mark = { seq: event.seq, at, attempt: event.payload.attempt };
      return { ...base, lanes: upsertLane(base.lanes, `step:${event.payload.stepId}`, "step", event.payload.stepId, (lane) => ({ ...lane, debugRounds: [...lane.debugRounds, mark] })) };
    }
    case "verification.started":
      return { ...base, lanes: upsertLane(base.lanes, "verification", "verification", FIXED.verification, (lane) => ({ ...lane, start: lane.start ?? at })) };
    case "llm.call": {
      const p = event.payload;
      // The event is written when the call returns: the bar ends there and reaches back by its latency.
      const start = Math.max(0, at - (p.latencyMs ?? 0));
      const bar = makeBar(event.seq, "llm", start, at, p.role ?? "agent", { model: p.model ?? null, tokensIn: p.tokensIn, tokensOut: p.tokensOut, costUsd: p.costUsd }, null);
      return addBar(base, p.stepId, p.role ?? null, bar);
    }
    case "sandbox.command": {
      const p = event.payload;
      const bar = makeBar(event.seq, "command", Math.max(0, at - p.durationMs), at, p.command, null, { exitCode: p.exitCode, timedOut: p.timedOut });
      return addBar(base, p.stepId, null, bar);
    }
    case "run.finished": {
      const lanes = base.lanes.map((lane) => (lane.kind !== "step" && lane.end === null ? { ...lane, end: Math.max(lane.start ?? at, lane.lastBar?.bar.end ?? at) } : lane));
      return { ...base, lanes, finished: true };
    }
    case "run.queued":
    case "run.claimed":
    case "run.branched":
    case "run.started":
    case "run.cancel_requested":
    case "run.merged":
    case "memory.recalled":
    case "memory.unavailable":
    case "memory.remembered":
    case "plan.started":
    case "plan.created":
    case "plan.awaiting_approval":
    case "plan.approved":
    case "plan.rejected":
    case "step.running":
    case "step.committed":
    case "step.commit_failed":
    case "edit.applied":
    case "edit.rejected":
    case "test.result":
    case "tool.executed":
    case "llm.tokens":
    case "llm.discarded":
    case "agent.repair":
    case "budget.exceeded":
    case "verification.baseline":
    case "verification.progress":
    case "sandbox.output":
    case "environment.waiting":
    case "environment.building":
    case "environment.ready":
    case "environment.changing":
    case "environment.changed":
    case "environment.change_failed":
    case "verdict":
    case "sandbox.seeded":
    case "run.pushed":
    case "run.pull_request":
    case "acceptance.frozen":
    case "verification.reverify_started":
    case "verification.reverified":
    case "unreadable":
      return base;
    default:
      return assertNever(event);
  }
}

/** Lanes in the order a reader expects: planner, steps (by start), final verification, critic. */
export function orderedLanes(timeline: RunTimeline): TimelineLane[] {
  const rank: Record<TimelineLaneKind, number> = { planner: 0, step: 1, verification: 2, critic: 3 };
  return timeline.lanes
    .map((lane, index) => ({ lane, index }))
    .sort((a, b) => rank[a.lane.kind] - rank[b.lane.kind] || (a.lane.start ?? Infinity) - (b.lane.start ?? Infinity) || a.index - b.index)
    .map(({ lane }) => lane);
}
