import { isActiveStatus } from "@/server/runs/events/run-status";
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { RequestHandlerExtra } from "@modelcontextprotocol/sdk/shared/protocol.js";
import type { CallToolResult, ServerNotification, ServerRequest } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import { requireRun } from "@/server/access/run-access";
import type { Db } from "@/server/db/client";
import { AppError, toPublicError } from "@/server/errors";
import { listProjects } from "@/server/projects/list-projects";
import { cancelRun } from "@/server/runs/cancel-run";
import { getRun } from "@/server/runs/get-run";
import { listRuns, ZListRuns } from "@/server/runs/list-runs";
import type { TRunSummaryDto } from "@/server/runs/run-dto";
import { getRunDiff } from "@/server/runs/run-git";
import { ZRunId, ZStartTask } from "@/server/runs/run-schemas";
import { startTask } from "@/server/runs/start-run";
import { streamRunEvents } from "@/server/runs/stream-run-events";
import { followUp } from "@/server/threads/follow-up";
import { runResourceUri, type McpRunFeed } from "./mcp-run-feed";
import { requireProjectInScope, requireRunInScope, type McpScope } from "./mcp-scope";
import { describeRunEvent } from "./run-progress";
import { describeRun, diffText } from "./run-result";

export const WAIT_DEFAULT_SECONDS = 50;
export const WAIT_MAX_SECONDS = 600;

interface ToolContext {
  db: Db;
  userId: string;
  scope: McpScope;
  feed: McpRunFeed;
}

/** A domain error as the API words it (401/403/404 keep their codes); anything else is logged and answered generically. */
export function toolError(error: unknown): CallToolResult {
  const { code, message, status } = toPublicError(error, "mcp");
  return { isError: true, content: [{ type: "text", text: message }], structuredContent: { error: { code, status, message } } };
}

function result(text: string, structured: Record<string, unknown>): CallToolResult {
  return { content: [{ type: "text", text }], structuredContent: structured };
}

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/** Every tool answers through this, so no handler's exception (or its stack) reaches the client raw. */
function safely<A>(handler: (args: A, extra: { signal: AbortSignal; sendProgress: (progress: number, message: string) => Promise<void> }) => Promise<CallToolResult>) {
  return async (args: A, extra: Extra): Promise<CallToolResult> => {
    const token = extra._meta?.progressToken;
    const sendProgress = async (progress: number, message: string) => {
      if (token !== undefined) await extra.sendNotification({ method: "notifications/progress", params: { progressToken: token, progress, message } });
    };
    try {
      return await handler(args, { signal: extra.signal, sendProgress });
    } catch (error) {
      return toolError(error);
    }
  };
}

async function runResult(context: ToolContext, runId: string): Promise<CallToolResult> {
  // Both at once (one access check each, as the API's byId and diff do); a live run's partial diff is not shown.
  await requireRunInScope({ db: context.db, scope: context.scope, runId });
  const [run, finalDiff] = await Promise.all([getRun({ db: context.db, userId: context.userId, runId }), getRunDiff({ db: context.db, userId: context.userId, runId })]);
  const diff = isActiveStatus(run.status) ? null : finalDiff;
  const { text, structured } = describeRun(run, diff);
  return result(text, structured);
}

const runIdField = ZRunId.shape.runId.describe("The run's id, as run_task returned it.");

export function registerTools(server: McpServer, context: ToolContext): void {
  const { db, userId, scope } = context;
  const inScope = (runId: string) => requireRunInScope({ db, scope, runId });

  server.registerTool(
    "list_projects",
    {
      title: "List projects",
      description: "Lists the AutoCodeAI projects this token may see, with their ids and your role (owner, editor, viewer). run_task needs a project id from here and the owner or editor role.",
      inputSchema: {},
      annotations: { readOnlyHint: true },
    },
    safely(async () => {
      const projects = (await listProjects({ db, userId })).filter((p) => scope.projectId === null || p.id === scope.projectId);
      const lines = projects.map((p) => `- ${p.id}: ${p.name} (${p.role}, branch ${p.defaultBranch})${p.description ? ` - ${p.description}` : ""}`);
      return result(projects.length ? `${projects.length} project(s):\n${lines.join("\n")}` : "No projects yet: create one in the AutoCodeAI web app.", { projects });
    }),
  );

  server.registerTool(
    "run_task",
    {
      title: "Run a coding task in the sandbox",
      description:
        "Starts a coding task in a project: AutoCodeAI plans it, writes the code and tests on a branch of its own, runs the tests in an isolated sandbox and reports whether the result was verified by execution. Returns the run id at once; progress (plan, steps, commands with exit codes, verdict) arrives as log notifications. Then call wait_for_run with the run id to get the outcome and the diff.",
      inputSchema: {
        projectId: ZStartTask.shape.projectId.describe("The project's id (see list_projects)."),
        prompt: ZStartTask.shape.prompt.describe("The task, written as for a colleague: what to build or fix and how to know it works."),
        contextFiles: ZStartTask.shape.contextFiles.describe("Repository paths the agents should read first (optional, at most 50)."),
        tokenBudget: ZStartTask.shape.tokenBudget.describe("Stop the run past this many model tokens (optional)."),
        costBudgetUsd: ZStartTask.shape.costBudgetUsd.describe("Stop the run past this cost in US dollars (optional)."),
      },
    },
    safely(async (input: { projectId: string; prompt: string; contextFiles?: string[]; tokenBudget?: number; costBudgetUsd?: number }) => {
      requireProjectInScope(scope, input.projectId);
      const { runId, taskId } = await startTask({ db, userId, input });
      context.feed.follow(runId);
      return result(
        `Run ${runId} is queued. Progress arrives as log notifications; call wait_for_run { "runId": "${runId}" } for the verified outcome and the diff.`,
        { runId, taskId, status: "QUEUED", resources: { events: runResourceUri(runId, "events"), diff: runResourceUri(runId, "diff") } },
      );
    }),
  );

  server.registerTool(
    "follow_up",
    {
      title: "Follow up on a finished run",
      description:
        "Continues a finished run with a new message (\"now also handle empty input\"): a new run on a branch that starts at the previous run's last commit, planned with the conversation so far (earlier prompts, plans, verdicts, failures, changed files). Only on the latest turn of a conversation. Returns the new run id; then call wait_for_run.",
      inputSchema: {
        runId: runIdField,
        prompt: z.string().describe("The follow-up message, as to a colleague who did the previous turn."),
      },
    },
    safely(async (input: { runId: string; prompt: string }) => {
      await inScope(input.runId);
      const { runId, taskId, threadId } = await followUp({ db, userId, input });
      context.feed.follow(runId);
      return result(`Run ${runId} (a follow-up in thread ${threadId}) is queued. Call wait_for_run { "runId": "${runId}" } for its outcome.`, {
        runId,
        taskId,
        threadId,
        parentRunId: input.runId,
        status: "QUEUED",
      });
    }),
  );

  server.registerTool(
    "wait_for_run",
    {
      title: "Wait for a run to finish",
      description: `Waits until the run finishes or the time limit passes (default ${WAIT_DEFAULT_SECONDS} s, at most ${WAIT_MAX_SECONDS} s), reporting progress meanwhile, then returns the run: verification outcome first, then commands, tests, usage and the diff. If it is still going, call it again.`,
      inputSchema: {
        runId: runIdField,
        timeoutSeconds: z.number().int().min(1).max(WAIT_MAX_SECONDS).optional().describe(`How long to wait at most, in seconds (default ${WAIT_DEFAULT_SECONDS}). Keep it below your client's tool timeout.`),
      },
      annotations: { readOnlyHint: true },
    },
    safely(async ({ runId, timeoutSeconds }: { runId: string; timeoutSeconds?: number }, extra) => {
      await inScope(runId);
      const run = await requireRun({ db, userId, runId, need: "read" });
      if (isActiveStatus(run.status)) {
        const signal = AbortSignal.any([extra.signal, AbortSignal.timeout((timeoutSeconds ?? WAIT_DEFAULT_SECONDS) * 1000)]);
        let sent = 0;
        for await (const event of streamRunEvents({ db, runId, afterSeq: run.lastSeq, signal })) {
          const item = describeRunEvent(runId, event);
          if (item) await extra.sendProgress(++sent, item.message);
        }
      }
      return runResult(context, runId);
    }),
  );

  server.registerTool(
    "get_run",
    {
      title: "Get a run",
      description: "Returns a run now, without waiting: status, verification outcome (stated first), the verification record (commands with exit codes, tests, regressions), the critic's verdict, steps, token usage and, once finished, the diff.",
      inputSchema: { runId: runIdField },
      annotations: { readOnlyHint: true },
    },
    safely(({ runId }: { runId: string }) => runResult(context, runId)),
  );

  server.registerTool(
    "list_runs",
    {
      title: "List runs",
      description: "Lists recent runs, newest first, across your projects or in one: id, status, verdict and task. Use it to find a run id again.",
      inputSchema: {
        projectId: ZListRuns.shape.projectId.describe("Only this project's runs (optional)."),
        status: ZListRuns.shape.status.describe("Only runs in this status (optional)."),
        limit: z.number().int().min(1).max(50).optional().describe("How many runs (default 10, at most 50)."),
      },
      annotations: { readOnlyHint: true },
    },
    safely(async (input: { projectId?: string; status?: TRunSummaryDto["status"]; limit?: number }) => {
      requireProjectInScope(scope, input.projectId);
      const { runs } = await listRuns({ db, userId, input: { ...input, projectId: input.projectId ?? scope.projectId ?? undefined, limit: input.limit ?? 10 } });
      const lines = runs.map((r) => `- ${r.id} ${r.status}${r.verdict ? ` (critic ${r.verdict})` : ""} in ${r.projectId}: ${r.prompt.slice(0, 120)}`);
      return result(runs.length ? lines.join("\n") : "No runs.", { runs: runs.map((r) => ({ id: r.id, projectId: r.projectId, status: r.status, verdict: r.verdict, prompt: r.prompt, queuedAt: r.queuedAt.toISOString() })) });
    }),
  );

  server.registerTool(
    "get_diff",
    {
      title: "Get a run's diff",
      description: "Returns the unified diff of the run's branch against the commit it started from (git diff format), or of one file of it.",
      inputSchema: { runId: runIdField, file: z.string().min(1).max(1024).optional().describe("A repository path: only this file's part of the diff.") },
      annotations: { readOnlyHint: true },
    },
    safely(async ({ runId, file }: { runId: string; file?: string }) => {
      await inScope(runId);
      const diff = await getRunDiff({ db, userId, runId });
      if (!diff) return result("No diff yet: the run has not started.", { runId, files: [] });
      const files = diff.files.map((f) => ({ path: f.path, status: f.status, added: f.added, removed: f.removed }));
      if (file !== undefined && !diff.files.some((f) => f.path === file || f.oldPath === file)) {
        throw new AppError("NOT_FOUND", `The run did not change ${file}. Changed files: ${files.map((f) => f.path).join(", ") || "none"}.`);
      }
      const text = diffText(diff, file);
      return result(text || "No changes.", { runId, baseCommit: diff.baseCommit, headCommit: diff.headCommit, files });
    }),
  );

  server.registerTool(
    "cancel_run",
    {
      title: "Cancel a run",
      description: "Stops a queued or running run. A finished run is left as it is (its status is returned).",
      inputSchema: { runId: runIdField },
      annotations: { destructiveHint: true, idempotentHint: true },
    },
    safely(async ({ runId }: { runId: string }) => {
      await inScope(runId);
      const { status } = await cancelRun({ db, userId, runId });
      const text =
        status === "CANCELLING" ? `Cancellation of run ${runId} requested: it stops within seconds. wait_for_run shows its end.` : status === "CANCELLED" ? `Run ${runId} is cancelled.` : `Run ${runId} had already ended: ${status}.`;
      return result(text, { runId, status });
    }),
  );
}
