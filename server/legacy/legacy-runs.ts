import type { Db } from "@/server/db/client";
import { env } from "@/server/env";
import { readFile } from "@/server/git";
import type { TStartTask } from "@/server/runs/run-schemas";
import type { StoredEvent } from "@/server/runs/run-events";
import { startTask } from "@/server/runs/start-run";
import { streamRunEvents } from "@/server/runs/stream-run-events";
import { LegacyChunker, sseEvent } from "./legacy-chunks";
import { authenticateBearer } from "@/server/auth/api-tokens";
import { errorResponse, PROJECT_HEADER, readJsonBody } from "./legacy-http";
import { legacyParallelInput, legacyTaskInput } from "./legacy-input";
import { finishedFacts, legacyParallelResults, legacyRunResults, legacyStepOutcomes } from "./legacy-results";

export interface LegacyOptions {
  db: Db;
  /** How long /run and /run_parallel wait for the run; AGENT_RUN_TIMEOUT by default. */
  timeoutMs?: number;
}

/** SSE comment lines keep proxies from closing a stream while a model thinks. */
const KEEP_ALIVE_MS = 15_000;

type ToInput = (body: unknown, projectHeader: string | null) => TStartTask;

/** Authenticates, reads and checks the body, then starts the task: every refusal happens before anything is written. */
async function startFromRequest(req: Request, db: Db, toInput: ToInput) {
  const userId = await authenticateBearer({ db, authorization: req.headers.get("authorization") });
  const input = toInput(await readJsonBody(req), req.headers.get(PROJECT_HEADER));
  return startTask({ db, userId, input });
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

async function runAndWait(req: Request, options: LegacyOptions, toInput: ToInput, respond: (runId: string, events: StoredEvent[]) => Promise<Record<string, unknown>>) {
  let started: { taskId: string; runId: string };
  try {
    started = await startFromRequest(req, options.db, toInput);
  } catch (error) {
    return errorResponse(error);
  }
  const timeoutMs = options.timeoutMs ?? env().AGENT_RUN_TIMEOUT * 1000;
  try {
    // A caller who hangs up only stops this wait: the run goes on and stays in the history.
    const { events, finished } = await waitForRunEnd({ db: options.db, runId: started.runId, timeoutMs, signal: req.signal });
    if (!finished) return timeoutResponse(started.runId, timeoutMs);
    const facts = finishedFacts(events)!;
    return Response.json({
      ...(await respond(started.runId, events)),
      run_id: started.runId,
      task_id: started.taskId,
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
export function respondLegacyRun(req: Request, options: LegacyOptions): Promise<Response> {
  return runAndWait(req, options, legacyTaskInput, async (_runId, events) => ({ results: legacyRunResults(events) }));
}

/** POST /api/agent/run_parallel: {steps, context_files} run as the plan -> {results}, one per step. */
export function respondLegacyRunParallel(req: Request, options: LegacyOptions): Promise<Response> {
  return runAndWait(req, options, legacyParallelInput, async (runId, events) => {
    const run = await options.db.run.findUniqueOrThrow({ where: { id: runId }, select: { headCommit: true, project: { select: { repoPath: true } } } });
    const readFinalFile = async (path: string) => {
      if (!run.headCommit) return null;
      const file = await readFile({ repoPath: run.project.repoPath, path, ref: run.headCommit }).catch(() => null);
      return file && !file.binary ? file.content : null;
    };
    return { results: await legacyParallelResults(events, readFinalFile), steps: legacyStepOutcomes(events) };
  });
}

/**
 * POST /api/agent/stream: Server-Sent Events, one `data:` line per text chunk (newlines encoded, see
 * sseEvent), ending with the run's closing line. The run id is in the X-Run-Id header and the first chunk.
 */
export async function respondLegacyStream(req: Request, options: LegacyOptions): Promise<Response> {
  let started: { taskId: string; runId: string };
  try {
    started = await startFromRequest(req, options.db, legacyTaskInput);
  } catch (error) {
    return errorResponse(error);
  }
  const { runId } = started;
  const stop = new AbortController();
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      const send = (text: string) => {
        if (!stop.signal.aborted) controller.enqueue(encoder.encode(text));
      };
      const keepAlive = setInterval(() => send(": keep-alive\n\n"), KEEP_ALIVE_MS);
      void (async () => {
        try {
          send(sseEvent(`🚀 Run ${runId} queued\n`));
          const chunker = new LegacyChunker();
          for await (const event of streamRunEvents({ db: options.db, runId, afterSeq: 0, signal: stop.signal })) {
            for (const chunk of chunker.chunksFor(event)) send(sseEvent(chunk));
          }
        } catch (error) {
          console.error(`[legacy-api] stream of run ${runId} failed:`, error);
          send(sseEvent(`❌ The stream broke off (the run goes on): look up run ${runId}.\n`));
        } finally {
          clearInterval(keepAlive);
          try {
            controller.close();
          } catch {
            // already cancelled by the reader
          }
        }
      })();
    },
    // The client went away: stop reading the log. The run itself is not cancelled (see the README).
    cancel() {
      stop.abort();
    },
  });
  req.signal.addEventListener("abort", () => stop.abort(), { once: true });
  return new Response(body, {
    headers: {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache, no-transform",
      "x-accel-buffering": "no",
      "x-run-id": runId,
    },
  });
}
