import { ResourceTemplate, type McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { ErrorCode, McpError, SubscribeRequestSchema, UnsubscribeRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { requireRun } from "@/server/access/run-access";
import type { Db } from "@/server/db/client";
import { toPublicError } from "@/server/errors";
import { listRunEvents } from "@/server/runs/run-events";
import { getRunDiff } from "@/server/runs/run-git";
import { listRuns } from "@/server/runs/list-runs";
import { runResourceUri, type McpRunFeed, type RunResource } from "./mcp-run-feed";
import { requireRunInScope, type McpScope } from "./mcp-scope";
import { diffText } from "./run-result";

/** The spec's "resource not found" code. */
const RESOURCE_NOT_FOUND = -32002;
const URI = /^autocode:\/\/runs\/([^/?#]{1,64})\/(events|diff)$/;

interface ResourceContext {
  db: Db;
  userId: string;
  scope: McpScope;
  feed: McpRunFeed;
}

/** A domain error as a JSON-RPC error with the API's message (never a stack). */
function resourceError(error: unknown): McpError {
  if (error instanceof McpError) return error;
  const { code, message } = toPublicError(error, "mcp");
  return new McpError(code === "NOT_FOUND" ? RESOURCE_NOT_FOUND : code === "INTERNAL" ? ErrorCode.InternalError : ErrorCode.InvalidRequest, message);
}

function parseUri(uri: string): { runId: string; resource: RunResource } {
  const match = URI.exec(uri);
  if (!match) throw new McpError(ErrorCode.InvalidParams, `Unknown resource ${uri}: use autocode://runs/<run id>/events or autocode://runs/<run id>/diff.`);
  return { runId: match[1]!, resource: match[2] as RunResource };
}

async function readResource(context: ResourceContext, uri: URL): Promise<{ contents: Array<{ uri: string; mimeType: string; text: string }> }> {
  try {
    const { runId, resource } = parseUri(uri.href);
    await requireRunInScope({ db: context.db, scope: context.scope, runId });
    await requireRun({ db: context.db, userId: context.userId, runId, need: "read" });
    if (resource === "diff") {
      const diff = await getRunDiff({ db: context.db, userId: context.userId, runId });
      return { contents: [{ uri: uri.href, mimeType: "text/x-diff", text: diffText(diff) }] };
    }
    const events = await listRunEvents({ db: context.db, runId, limit: 5000 });
    // One JSON object per line, in seq order: a client can append as updates come.
    const text = events.map((event) => JSON.stringify({ seq: event.seq, type: event.type, createdAt: event.createdAt, payload: event.payload })).join("\n");
    return { contents: [{ uri: uri.href, mimeType: "application/x-ndjson", text }] };
  } catch (error) {
    throw resourceError(error);
  }
}

export function registerResources(server: McpServer, context: ResourceContext): void {
  const list = async () => {
    const { runs } = await listRuns({ db: context.db, userId: context.userId, input: { projectId: context.scope.projectId ?? undefined, limit: 20 } });
    return { runs };
  };
  for (const resource of ["events", "diff"] as const) {
    server.registerResource(
      `run-${resource}`,
      new ResourceTemplate(runResourceUri("{runId}", resource), {
        list: async () => ({
          resources: (await list()).runs.map((run) => ({ uri: runResourceUri(run.id, resource), name: `${resource === "events" ? "Events" : "Diff"} of run ${run.id} (${run.status.toLowerCase()}): ${run.prompt.slice(0, 80)}` })),
        }),
      }),
      resource === "events"
        ? { title: "A run's event log", description: "Every event of the run in order (plan, steps, edits, sandbox commands with exit codes, tests, verdict, finish), one JSON object per line. Subscribe to hear when a live run adds events.", mimeType: "application/x-ndjson" }
        : { title: "A run's diff", description: "The unified diff of the run's branch against the commit it started from. Subscribe to hear when a live run commits a step.", mimeType: "text/x-diff" },
      (uri) => readResource(context, uri),
    );
  }

  server.server.registerCapabilities({ resources: { subscribe: true, listChanged: true } });
  server.server.setRequestHandler(SubscribeRequestSchema, async (request) => {
    try {
      const { runId, resource } = parseUri(request.params.uri);
      await requireRunInScope({ db: context.db, scope: context.scope, runId });
      const run = await requireRun({ db: context.db, userId: context.userId, runId, need: "read" });
      context.feed.subscribe(runId, resource, run.lastSeq);
      return {};
    } catch (error) {
      throw resourceError(error);
    }
  });
  server.server.setRequestHandler(UnsubscribeRequestSchema, async (request) => {
    const match = URI.exec(request.params.uri);
    if (match) context.feed.unsubscribe(match[1]!, match[2] as RunResource);
    return {};
  });
}
