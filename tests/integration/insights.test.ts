import { beforeAll, describe, expect, it } from "vitest";
import type { RunStatus } from "@/generated/prisma/client";
import { appendRunEvent } from "@/server/runs/run-events";
import { callerFor, createTestUser, testDb } from "../helpers/db";
import { backfillInsightsFigures } from "../helpers/insights-backfill";
import { codeOf } from "../helpers/trpc-errors";

type Seed = { author: "owner" | "member"; day: string; status: RunStatus; outcome?: string; seconds?: number; cost: number; reason?: string; steps?: [string, string, number][] };

/** Eight runs in the range (and one before it) whose answers are worked out by hand in the tests below. */
const SEEDS: Seed[] = [
  { author: "owner", day: "2026-03-01", status: "SUCCEEDED", outcome: "verified", seconds: 60, cost: 0, steps: [["s1", "coder", 20], ["s2", "tester", 50]] },
  { author: "owner", day: "2026-03-01", status: "SUCCEEDED", outcome: "asserted", seconds: 120, cost: 0.3 },
  { author: "member", day: "2026-03-01", status: "FAILED", seconds: 30, cost: 0.05, reason: "tests failed" },
  { author: "member", day: "2026-03-02", status: "SUCCEEDED", outcome: "verified", seconds: 90, cost: 0 },
  { author: "owner", day: "2026-03-02", status: "CANCELLED", seconds: 10, cost: 0.01, reason: "Cancelled by the user" },
  { author: "owner", day: "2026-03-02", status: "FAILED", seconds: 200, cost: 0.5, reason: "tests failed", steps: [["s1", "coder", 150]] },
  { author: "owner", day: "2026-03-02", status: "INTERRUPTED", seconds: 40, cost: 0, reason: "worker died" },
  { author: "owner", day: "2026-03-02", status: "RUNNING", cost: 0.02 },
  { author: "owner", day: "2026-02-01", status: "SUCCEEDED", outcome: "verified", seconds: 5, cost: 0 },
];
const RANGE = { from: new Date("2026-03-01T00:00:00Z"), to: new Date("2026-03-03T00:00:00Z") };

describe("project insights: SQL aggregates over stored runs", () => {
  let owner: Awaited<ReturnType<typeof createTestUser>>;
  let member: Awaited<ReturnType<typeof createTestUser>>;
  let projectId: string;
  const runIds: string[] = [];

  beforeAll(async () => {
    const db = testDb();
    owner = await createTestUser("in-owner");
    member = await createTestUser("in-member");
    projectId = (await callerFor(owner.id).project.create({ name: "insights" })).id;
    await callerFor(owner.id).project.addMember({ projectId, email: member.email, role: "EDITOR" });
    for (const [index, seed] of SEEDS.entries()) {
      const createdAt = new Date(`${seed.day}T10:0${index}:00Z`);
      const task = await db.task.create({ data: { projectId, authorId: seed.author === "owner" ? owner.id : member.id, prompt: `task ${index}`, createdAt } });
      const finishedAt = seed.seconds !== undefined && seed.status !== "RUNNING" ? new Date(createdAt.getTime() + seed.seconds * 1000) : null;
      const run = await db.run.create({
        data: {
          taskId: task.id, projectId, status: seed.status, statusReason: seed.reason ?? null, costUsd: seed.cost, createdAt, queuedAt: createdAt, startedAt: createdAt, finishedAt,
          verification: seed.outcome ? { outcome: seed.outcome } : undefined,
          steps: { create: (seed.steps ?? []).map(([planStepId, agent, seconds], order) => ({ planStepId, order, agent, description: `${agent} step`, startedAt: createdAt, finishedAt: new Date(createdAt.getTime() + seconds * 1000), status: "SUCCEEDED" as const })) },
        },
      });
      runIds.push(run.id);
    }
    // Model calls go through the real event log: its fold adds Run.costUsd (run 0: 0.10, run 3: 0.20, run 8: 9) and RunUsage rows.
    const calls = [
      { stepId: null, role: "planner", model: "m-a", tokensIn: 80, tokensOut: 20, costUsd: 0.02 },
      { stepId: "s1", role: "coder", model: "m-b", tokensIn: 100, tokensOut: 50, costUsd: 0.04 },
      { stepId: "s1", role: "coder", model: "m-b", tokensIn: 100, tokensOut: 50, costUsd: 0.04 },
    ];
    for (const payload of calls) await appendRunEvent(db, { runId: runIds[0]!, type: "llm.call", payload: { ...payload, latencyMs: 10, attempts: 1, estimated: false } });
    await appendRunEvent(db, { runId: runIds[3]!, type: "llm.call", payload: { stepId: null, role: "coder", model: "m-b", tokensIn: 300, tokensOut: 100, costUsd: 0.2 } });
    await appendRunEvent(db, { runId: runIds[8]!, type: "llm.call", payload: { stepId: null, role: "coder", model: "m-b", tokensIn: 1, tokensOut: 1, costUsd: 9 } });
    // The runs above were written straight into the tables (as before the stored figures existed): the migration fills them.
    await backfillInsightsFigures(db);
  });

  it("the owner sees everyone's runs: outcomes per day, rates, medians, sums", async () => {
    const insights = await callerFor(owner.id).insights.project({ projectId, ...RANGE });
    expect(insights.scope).toBe("everyone");
    expect(insights.days).toEqual([
      { day: "2026-03-01", verified: 1, needs_review: 1, failed: 1, cancelled: 0, verifiedRate: 1 / 3 },
      { day: "2026-03-02", verified: 1, needs_review: 0, failed: 2, cancelled: 1, verifiedRate: 1 / 4 },
    ]);
    const { summary } = insights;
    expect(summary).toMatchObject({ runs: 8, finished: 7, verified: 2, medianDurationMs: 60_000 });
    expect(summary.verifiedRate).toBeCloseTo(2 / 7);
    // Finished runs' costs 0, 0.01, 0.05, 0.1, 0.2, 0.3, 0.5: the middle one.
    expect(summary.medianCostUsd).toBeCloseTo(0.1);
    expect(summary.totalCostUsd).toBeCloseTo(1.18);
    expect(insights.failureReasons).toEqual([{ reason: "tests failed", runs: 2 }, { reason: "worker died", runs: 1 }]);
    expect(insights.slowestSteps.map((s) => [s.runId, s.stepId, s.durationMs])).toEqual([[runIds[5], "s1", 150_000], [runIds[0], "s2", 50_000], [runIds[0], "s1", 20_000]]);
    expect(insights.costByAgent.map((c) => [c.key, c.calls, c.tokens, Number(c.costUsd.toFixed(6))])).toEqual([["coder", 3, 700, 0.28], ["planner", 1, 100, 0.02]]);
    expect(insights.costByModel.map((c) => [c.key, c.calls])).toEqual([["m-b", 3], ["m-a", 1]]);
    expect(insights.users.map((u) => u.id).sort()).toEqual([owner.id, member.id].sort());
  });

  it("filters by user (owner) and keeps a member to their own runs whatever they ask", async () => {
    const byOwnerFilter = await callerFor(owner.id).insights.project({ projectId, ...RANGE, authorId: member.id });
    const asMember = await callerFor(member.id).insights.project({ projectId, ...RANGE, authorId: owner.id });
    for (const insights of [byOwnerFilter, asMember]) {
      expect(insights.summary).toMatchObject({ runs: 2, finished: 2, verified: 1, verifiedRate: 0.5, medianDurationMs: 60_000 });
      expect(insights.summary.medianCostUsd).toBeCloseTo(0.125);
      expect(insights.summary.totalCostUsd).toBeCloseTo(0.25);
      expect(insights.costByAgent.map((c) => [c.key, c.calls])).toEqual([["coder", 1]]);
    }
    expect(asMember).toMatchObject({ scope: "own", authorId: member.id, users: [] });
  });

  it("ranges that cut days: whole days from the daily usage rollup, the cut ends from the runs", async () => {
    // Day 03-02 from the rollup (run 3); the cut start 03-01T10:00:30 leaves run 0 (10:00:00) out.
    const cut = await callerFor(owner.id).insights.project({ projectId, from: new Date("2026-03-01T10:00:30Z"), to: RANGE.to });
    expect(cut.costByAgent.map((c) => [c.key, c.calls, c.tokens])).toEqual([["coder", 1, 400]]);
    // Day 03-01 from the rollup (run 0), run 3 (03-02 10:03) from the cut end.
    const both = await callerFor(owner.id).insights.project({ projectId, from: new Date("2026-02-28T12:00:00Z"), to: new Date("2026-03-02T10:04:00Z") });
    expect(both.costByAgent.map((c) => [c.key, c.calls, c.tokens])).toEqual([["coder", 3, 700], ["planner", 1, 100]]);
    const wide = await callerFor(owner.id).insights.project({ projectId, from: new Date("2026-01-31T23:00:00Z"), to: new Date("2026-03-02T10:02:00Z") });
    expect(wide.costByModel.map((c) => [c.key, c.calls, Number(c.costUsd.toFixed(6))])).toEqual([["m-b", 3, 9.08], ["m-a", 1, 0.02]]);
  });

  it("the event fold keeps the stored figures: outcome, run and step durations, the slowest step, the daily usage", async () => {
    const db = testDb();
    const task = await db.task.create({ data: { projectId, authorId: member.id, prompt: "folded" } });
    const run = await db.run.create({ data: { taskId: task.id, projectId } });
    const append = (type: string, payload: Record<string, unknown>) => appendRunEvent(db, { runId: run.id, type, payload } as Parameters<typeof appendRunEvent>[1]);
    await append("run.claimed", { workerId: "w" });
    await append("plan.created", { steps: [{ id: "s1", agent: "coder", description: "one" }, { id: "s2", agent: "tester", description: "two" }] });
    await append("step.started", { stepId: "s1", agent: "coder", description: "one", file: null });
    await append("llm.call", { stepId: "s1", role: "coder", model: "m-fold", tokensIn: 5, tokensOut: 6, costUsd: 0.5 });
    await append("step.finished", { stepId: "s1", status: "passed", reason: null, runs: 1 });
    let row = await db.run.findUniqueOrThrow({ where: { id: run.id }, include: { steps: { orderBy: { order: "asc" } } } });
    expect(row.outcome).toBeNull();
    const s1 = row.steps[0]!;
    expect(s1.durationMs).toBe(s1.finishedAt!.getTime() - s1.startedAt!.getTime());
    expect(row.slowestStepMs).toBe(s1.durationMs);
    await append("run.finished", { status: "succeeded", reason: null, verification: { outcome: "verified", harnessChanges: [], testChanges: [], commands: [] } });
    row = await db.run.findUniqueOrThrow({ where: { id: run.id }, include: { steps: { orderBy: { order: "asc" } } } });
    expect(row).toMatchObject({ status: "SUCCEEDED", outcome: "verified", durationMs: row.finishedAt!.getTime() - row.startedAt!.getTime() });
    expect(row.steps[1]).toMatchObject({ status: "SKIPPED", durationMs: null });
    const day = await db.usageDay.findMany({ where: { projectId, authorId: member.id, model: "m-fold" } });
    expect(day.map((d) => [d.day.toISOString().slice(0, 10), d.role, d.calls, Number(d.tokensIn), d.costUsd])).toEqual([[row.createdAt.toISOString().slice(0, 10), "coder", 1, 5, 0.5]]);
    await db.run.delete({ where: { id: run.id } });
    await db.usageDay.deleteMany({ where: { projectId, model: "m-fold" } });
  });

  it("filters by date range; refuses a bad range and strangers", async () => {
    const day2 = await callerFor(owner.id).insights.project({ projectId, from: new Date("2026-03-02T00:00:00Z"), to: RANGE.to });
    expect(day2.summary.runs).toBe(5);
    const february = await callerFor(owner.id).insights.project({ projectId, from: new Date("2026-02-01T00:00:00Z"), to: new Date("2026-02-02T00:00:00Z") });
    expect(february.summary).toMatchObject({ runs: 1, verified: 1, totalCostUsd: 9 });
    expect(await codeOf(callerFor(owner.id).insights.project({ projectId, from: RANGE.to, to: RANGE.from }))).toBe("BAD_REQUEST");
    const stranger = await createTestUser("in-stranger");
    expect(await codeOf(callerFor(stranger.id).insights.project({ projectId, ...RANGE }))).toBe("NOT_FOUND");
  });

  it("cost totals: a project's (owner: everyone's) and a user's across projects", async () => {
    const project = await callerFor(owner.id).insights.costTotals({ projectId });
    expect(project.allTimeRuns).toBe(9);
    expect(project.allTimeUsd).toBeCloseTo(10.18);
    const mine = await callerFor(member.id).insights.costTotals({});
    expect(mine).toMatchObject({ allTimeRuns: 2 });
    expect(mine.allTimeUsd).toBeCloseTo(0.25);
    expect((await callerFor(member.id).insights.costTotals({ projectId })).allTimeUsd).toBeCloseTo(0.25);
  });
});
