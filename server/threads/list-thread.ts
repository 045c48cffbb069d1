import { z } from "zod";
import type { Db } from "@/server/db/client";
import { diffRun } from "@/server/git";
import { isActiveStatus } from "@/server/runs/events/run-status";
import { readVerification } from "@/server/runs/run-dto";
import { RUN_STATUSES } from "@/server/runs/run-schemas";

/** Turns whose diff the thread carries, newest first; older turns link to their own page. */
const DIFFED_TURNS = 20;

const ZThreadStepDto = z.object({ id: z.string(), agent: z.string(), description: z.string(), file: z.string().nullable(), status: z.string() });
const ZThreadDiffFileDto = z.object({
  path: z.string(),
  oldPath: z.string().optional(),
  status: z.enum(["added", "modified", "deleted", "renamed"]),
  added: z.number(),
  removed: z.number(),
  binary: z.boolean(),
  patch: z.string(),
});

const ZThreadCheckDto = z.object({
  outcome: z.string(),
  commands: z.array(z.object({ command: z.string(), exitCode: z.number().nullable(), passed: z.boolean() })),
  tests: z.object({ passed: z.number(), total: z.number() }),
});

export const ZThreadTurnDto = z.object({
  runId: z.string(),
  prompt: z.string(),
  status: z.enum(RUN_STATUSES),
  statusReason: z.string().nullable(),
  verdict: z.string().nullable(),
  queuedAt: z.date(),
  finishedAt: z.date().nullable(),
  /** The plan the turn ran (or proposes, while it waits for review). */
  plan: z.array(ZThreadStepDto),
  /** How the turn was checked: outcome, the commands with exit codes (the independent re-run's when there was one), test counts. */
  verification: ZThreadCheckDto.nullable(),
  /** The turn's own changes (from its base, the previous turn's last commit); null while it runs, before it has a branch, or for old turns. */
  diff: z.object({ files: z.array(ZThreadDiffFileDto), added: z.number(), removed: z.number() }).nullable(),
});
export const ZThreadDto = z.object({ threadId: z.string(), turns: z.array(ZThreadTurnDto) });
export type TThreadDto = z.infer<typeof ZThreadDto>;

function checkOf(value: Parameters<typeof readVerification>[0]): z.output<typeof ZThreadCheckDto> | null {
  const v = readVerification(value);
  if (!v) return null;
  const commands = v.independent?.commands.length ? v.independent.commands : v.commands;
  const tests = v.independent?.tests.length ? v.independent.tests : v.tests;
  return {
    outcome: v.outcome,
    commands: commands.slice(0, 30).map((c) => ({ command: c.command.slice(0, 300), exitCode: c.exitCode ?? null, passed: c.passed })),
    tests: { passed: tests.filter((t) => t.status === "passed").length, total: tests.length },
  };
}

/**
 * Every turn of the thread a run belongs to, oldest first (a run outside any thread is a thread of one), each with
 * its plan and, for finished turns other than `runId` (its page shows its own), its diff. Access is the caller's check.
 */
export async function listThread(options: { db: Db; runId: string }): Promise<TThreadDto> {
  const run = await options.db.run.findUniqueOrThrow({ where: { id: options.runId }, select: { id: true, threadId: true } });
  const threadId = run.threadId ?? run.id;
  const rows = await options.db.run.findMany({
    where: { OR: [{ threadId }, { id: threadId }] },
    orderBy: { createdAt: "asc" },
    take: 200,
    select: {
      id: true,
      status: true,
      statusReason: true,
      verdict: true,
      queuedAt: true,
      finishedAt: true,
      branch: true,
      baseCommit: true,
      verification: true,
      task: { select: { prompt: true } },
      project: { select: { repoPath: true } },
      steps: { orderBy: { order: "asc" }, select: { planStepId: true, agent: true, description: true, targetFile: true, status: true } },
    },
  });
  const turns: TThreadDto["turns"] = [];
  // One turn at a time: each diff is three git processes.
  for (const [index, r] of rows.entries()) {
    const wanted = r.id !== options.runId && !isActiveStatus(r.status) && index >= rows.length - DIFFED_TURNS && r.branch && r.baseCommit;
    // A branch deleted since (or a repository moved) leaves the turn without a diff rather than failing the thread.
    const diff = wanted ? await diffRun({ repoPath: r.project.repoPath, branch: r.branch!, baseCommit: r.baseCommit! }).catch(() => null) : null;
    turns.push({
      runId: r.id,
      prompt: r.task.prompt,
      status: r.status,
      statusReason: r.statusReason,
      verdict: r.verdict,
      queuedAt: r.queuedAt,
      finishedAt: r.finishedAt,
      verification: checkOf(r.verification),
      plan: r.steps.map((s) => ({ id: s.planStepId, agent: s.agent, description: s.description, file: s.targetFile, status: s.status })),
      diff: diff ? { files: diff.files, added: diff.added, removed: diff.removed } : null,
    });
  }
  return { threadId, turns };
}
