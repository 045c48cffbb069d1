import { requireProject } from "@/server/access/project-access";
import type { Db } from "@/server/db/client";
import { env } from "@/server/env";
import { readFile } from "@/server/git";
import type { StoredEvent } from "@/server/runs/run-events";
import { ZRelativePath, type TStartTask } from "@/server/runs/run-schemas";
import { missingContextFiles, startTask } from "@/server/runs/start-run";
import { followUpByIds } from "@/server/threads/follow-up";
import { streamRunEvents } from "@/server/runs/stream-run-events";
import { answerAdviceSteps } from "./legacy-agent-steps";
import { resolveLegacyCaller, type LegacyCaller } from "./legacy-caller";
import { errorResponse, PROJECT_HEADER, readJsonBody } from "./legacy-http";
import { legacyParallelInput, legacyTaskInput } from "./legacy-input";
import { finishedFacts, legacyParallelResults, legacyRunResults, legacyStepOutcomes, type LegacyParallelResult } from "./legacy-results";

export interface LegacyOptions {
  db: Db;
  /** How long /run and /run_parallel wait for the run; AGENT_RUN_TIMEOUT by default. */
  timeoutMs?: number;
  /** The token of a client URL (/c/<token>/...): the caller and project come from it, not from headers. */
  clientToken?: string;
}

type ToInput = (body: unknown, projectHeader: string | null) => TStartTask;

async function readRequest(req: Request, options: LegacyOptions): Promise<{ caller: LegacyCaller; body: Record<string, unknown>; projectHeader: string | null }> {
  const caller = await resolveLegacyCaller({ db: options.db, authorization: req.headers.get("authorization"), clientToken: options.clientToken });
  const body = await readJsonBody(req);
  // A client URL is for its one project, whatever the request names.
  return { caller, body, projectHeader: caller.projectId ?? req.headers.get(PROJECT_HEADER) };
}

/**
 * Context files that are not in the repository are left out with a warning, as the original ignored them,
 * unless the request says `"strict": true` (or ?strict=1). Paths outside the repository are still refused.
 */
export async function dropMissingContextFiles(options: { db: Db; userId: string; projectId: string; files: string[]; strict: boolean }) {
  if (options.strict || options.files.length === 0) return { files: options.files, warnings: [] as string[] };
  const project = await requireProject({ db: options.db, userId: options.userId, projectId: options.projectId, need: "write" });
  const missing = new Set(await missingContextFiles(project.repoPath, options.files.filter((file) => ZRelativePath.safeParse(file).success)));
  return {
    files: options.files.filter((file) => !missing.has(file)),
    warnings: [...missing].map((file) => `Context file ${file} is not in the project's repository; it was ignored.`),
  };
}

/** `parent_run_id` / `thread_id` of a request that continues a conversation, or null for a new task. */
export function legacyThreadIds(body: Record<string, unknown>): { parentRunId?: string; threadId?: string } | null {
  const id = (value: unknown) => (typeof value === "string" && value.trim() ? value.trim().slice(0, 64) : undefined);
  const parentRunId = id(body.parent_run_id);
  const threadId = id(body.thread_id);
  return parentRunId || threadId ? { parentRunId, threadId } : null;
}

const strictOf = (req: Request, body: Record<string, unknown>) => body.strict === true || ["1", "true"].includes(new URL(req.url).searchParams.get("strict") ?? "");

/** Authenticates, reads and checks the body, then starts the task: every refusal happens before anything is written. */
export async function startFromRequest(req: Request, options: LegacyOptions, toInput: ToInput) {
  const { caller, body, projectHeader } = await readRequest(req, options);
  const thread = legacyThreadIds(body);
  if (thread) {
    // A follow-up keeps the previous turn's project and context files: only the new message is read.
    const prompt = typeof body.task === "string" ? body.task : "";
    return { ...(await followUpByIds({ db: options.db, userId: caller.userId, prompt, ...thread })), warnings: [] as string[] };
  }
  const input = toInput(body, projectHeader);
  const { files, warnings } = await dropMissingContextFiles({ db: options.db, userId: caller.userId, projectId: input.projectId, files: input.contextFiles ?? [], strict: strictOf(req, body) });
  return { ...(await startTask({ db: options.db, userId: caller.userId, input: { ...input, contextFiles: files } })), warnings };
}

/** Every event of the run until run.finished, or what there is when the time is up or the caller leaves. */
export async function waitForRunEnd(options: { db: Db; runId: string; timeoutMs: number; signal?: AbortSignal }) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), options.timeoutMs);
  const onCallerGone = () => controller.abort();
  options.signal?.addEventListener("abort", onCallerGone);
  const events: StoredEvent[] = [];
  try {
    for await (const event of streamRunEvents({ db: options.db, runId: options.runId, afterSeq: 0, signal: controller.signal })) {
      if (event.type !== "llm.tokens") events.push(event);
    }
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener("abort", onCallerGone);
  }
  return { events, finished: events.at(-1)?.type === "run.finished" };
}

function timeoutResponse(runId: string, timeoutMs: number): Response {
  return Response.json(
    {
      detail: `The run is still going after ${Math.round(timeoutMs / 1000)} s; it keeps running. Follow it in the app or with run.byId / run.events using run_id, or use /api/agent/stream to watch a task live.`,
      code: "TIMEOUT",
      run_id: runId,
      status: "running",
    },
    { status: 504 },
  );
}

type Started = { taskId: string; runId: string; warnings: string[]; threadId?: string; parentRunId?: string };

/** Waits for the run and answers its facts plus what `respond` makes of its events. */
async function answerWhenFinished(req: Request, options: LegacyOptions, started: Started, respond: (events: StoredEvent[]) => Promise<Record<string, unknown>>) {
  const timeoutMs = options.timeoutMs ?? env().AGENT_RUN_TIMEOUT * 1000;
  try {
    // A caller who hangs up only stops this wait: the run goes on and stays in the history.
    const { events, finished } = await waitForRunEnd({ db: options.db, runId: started.runId, timeoutMs, signal: req.signal });
    if (!finished) return timeoutResponse(started.runId, timeoutMs);
    const facts = finishedFacts(events)!;
    return Response.json({
      ...(await respond(events)),
      warnings: started.warnings,
      run_id: started.runId,
      task_id: started.taskId,
      thread_id: started.threadId ?? started.runId,
      ...(started.parentRunId ? { parent_run_id: started.parentRunId } : {}),
      status: facts.status,
      reason: facts.reason,
      verdict: facts.verdict,
      verification: facts.verification,
    });
  } catch (error) {
    return errorResponse(error, { run_id: started.runId });
  }
}

/** POST /api/agent/run: {task, context_files} -> {results} once the run has finished. */
export async function respondLegacyRun(req: Request, options: LegacyOptions): Promise<Response> {
  let started: Started;
  try {
    started = await startFromRequest(req, options, legacyTaskInput);
  } catch (error) {
    return errorResponse(error);
  }
  return answerWhenFinished(req, options, started, async (events) => ({ results: legacyRunResults(events) }));
}

/**
 * POST /api/agent/run_parallel: {steps, context_files} -> {results}, one per step in order. Coder, tester and
 * tool steps run as the plan; planner and critic steps are answered beside it (legacy-agent-steps).
 */
export async function respondLegacyRunParallel(req: Request, options: LegacyOptions): Promise<Response> {
  let prepared: { caller: LegacyCaller; request: ReturnType<typeof legacyParallelInput>; files: string[]; warnings: string[]; repoPath: string };
  let started: Started | null = null;
  try {
    const { caller, body, projectHeader } = await readRequest(req, options);
    const request = legacyParallelInput(body, projectHeader);
    const project = await requireProject({ db: options.db, userId: caller.userId, projectId: request.projectId, need: "write" });
    const { files, warnings } = await dropMissingContextFiles({ db: options.db, userId: caller.userId, projectId: request.projectId, files: request.contextFiles, strict: request.strict || strictOf(req, body) });
    prepared = { caller, request, files, warnings, repoPath: project.repoPath };
    const thread = legacyThreadIds(body);
    // With thread_id / parent_run_id the steps are the next turn of that conversation, on its branch.
    if (request.input && thread) started = { ...(await followUpByIds({ db: options.db, userId: caller.userId, prompt: request.input.prompt, plan: request.input.plan, ...thread })), warnings };
    else if (request.input) started = { ...(await startTask({ db: options.db, userId: caller.userId, input: { ...request.input, contextFiles: files } })), warnings };
  } catch (error) {
    return errorResponse(error);
  }
  const { caller, request, files, warnings, repoPath } = prepared;
  const adviceSteps = request.order.flatMap((entry) => ("advice" in entry ? [entry.advice] : []));
  const advice = answerAdviceSteps({ db: options.db, userId: caller.userId, repoPath, contextFiles: files, steps: adviceSteps, signal: req.signal });
  const merge = (byRunStep: Map<string, LegacyParallelResult>, answers: LegacyParallelResult[]) => {
    let next = 0;
    return request.order.map((entry) => ("advice" in entry ? answers[next++]! : byRunStep.get(entry.runStepId)!));
  };
  if (!started) {
    try {
      return Response.json({ results: merge(new Map(), await advice), steps: [], warnings });
    } catch (error) {
      return errorResponse(error);
    }
  }
  const runId = started.runId;
  return answerWhenFinished(req, options, started, async (events) => {
    const run = await options.db.run.findUniqueOrThrow({ where: { id: runId }, select: { headCommit: true } });
    const readFinalFile = async (path: string) => {
      if (!run.headCommit) return null;
      const file = await readFile({ repoPath, path, ref: run.headCommit }).catch(() => null);
      return file && !file.binary ? file.content : null;
    };
    const outcomes = legacyStepOutcomes(events);
    const results = await legacyParallelResults(events, readFinalFile);
    const byRunStep = new Map(outcomes.map((outcome, i) => [outcome.id, results[i]!]));
    return { results: merge(byRunStep, await advice), steps: outcomes };
  });
}
