import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { db as appDb, type Db } from "@/server/db/client";
import { toPublicError } from "@/server/errors";
import { VERSION } from "@/server/health/check-health";
import { resolveLegacyCaller } from "@/server/legacy/legacy-caller";
import { createMcpServer } from "./create-mcp-server";
import { SessionEventStore } from "./mcp-event-store";
import type { McpRunFeed } from "./mcp-run-feed";
import type { McpScope } from "./mcp-scope";

export const MCP_PATH = "/mcp";
/** A JSON-RPC request is small; a task is capped far lower by MAX_TASK_CHARS. */
const MAX_BODY_BYTES = 1024 * 1024;
const IDLE_MS = 60 * 60_000;
const MAX_SESSIONS_PER_USER = 32;

interface Session {
  scope: McpScope;
  transport: StreamableHTTPServerTransport;
  server: McpServer;
  feed: McpRunFeed;
  lastSeen: number;
  /** Requests (and open SSE streams) in flight: a session with an open stream is never idle. */
  open: number;
}

export interface McpHttpHandler {
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
  sessionCount(): number;
  close(): Promise<void>;
}

/** `/mcp`, or a project's client URL `/c/<token>/mcp`, with or without a trailing slash or a query string. */
const MCP_URL = /^(?:\/c\/([^/?#]+))?\/mcp\/?(?:\?|$)/;
export const isMcpRequest = (url: string | undefined) => url !== undefined && MCP_URL.test(url);

function jsonRpcError(res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  if (res.headersSent) return;
  res.writeHead(status, { "content-type": "application/json", ...headers }).end(JSON.stringify({ jsonrpc: "2.0", error: { code: -32000, message }, id: null }));
}

/**
 * The MCP endpoint: Streamable HTTP with sessions held in this process, each bound to the caller that opened
 * it (a user's API token, or a project's client URL: that user in that one project), and an event store per session so a client reconnecting with Last-Event-ID misses nothing.
 */
export function createMcpHttpHandler(options: { db?: () => Db } = {}): McpHttpHandler {
  const database = options.db ?? appDb;
  const sessions = new Map<string, Session>();

  const closeSession = async (id: string) => {
    const session = sessions.get(id);
    if (!session) return;
    sessions.delete(id);
    session.feed.close();
    await session.server.close().catch(() => undefined);
  };

  const sweep = setInterval(() => {
    const now = Date.now();
    for (const [id, session] of sessions) if (session.open === 0 && now - session.lastSeen > IDLE_MS) void closeSession(id);
  }, 60_000);
  sweep.unref();

  const openSession = async (scope: McpScope): Promise<StreamableHTTPServerTransport> => {
    const mine = [...sessions.entries()].filter(([, s]) => s.scope.userId === scope.userId).sort((a, b) => a[1].lastSeen - b[1].lastSeen);
    // A client that never sends DELETE must not pile up sessions: the user's least recently used one goes.
    if (mine.length >= MAX_SESSIONS_PER_USER) await closeSession(mine[0]![0]);
    const { server, feed } = createMcpServer({ db: database(), scope, version: VERSION });
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      eventStore: new SessionEventStore(),
      maxRequestBodySize: MAX_BODY_BYTES,
      onsessioninitialized: (id) => {
        feed.sessionId = id;
        sessions.set(id, { scope, transport, server, feed, lastSeen: Date.now(), open: 0 });
      },
      onsessionclosed: (id) => void closeSession(id),
    });
    transport.onclose = () => {
      if (transport.sessionId) void closeSession(transport.sessionId);
    };
    await server.connect(transport);
    return transport;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    // Every request carries its token (header or client-URL path), never a cookie: a page on another origin cannot
    // ride a signed-in browser here, so no Origin check (DNS-rebinding guard) is needed.
    let scope: McpScope;
    try {
      const clientToken = MCP_URL.exec(req.url ?? "")?.[1];
      scope = await resolveLegacyCaller({ db: database(), authorization: req.headers.authorization, clientToken });
    } catch (error) {
      const { message, status } = toPublicError(error, "mcp");
      jsonRpcError(res, status, message, status === 401 ? { "www-authenticate": 'Bearer realm="autocodeai"' } : {});
      return;
    }
    const sessionId = req.headers["mcp-session-id"];
    if (typeof sessionId === "string") {
      const session = sessions.get(sessionId);
      // Another caller's session id answers exactly as an unknown one: a token reaches only its own sessions.
      if (!session || session.scope.userId !== scope.userId || session.scope.projectId !== scope.projectId) return jsonRpcError(res, 404, "Session not found: initialize a new session.");
      session.lastSeen = Date.now();
      session.open += 1;
      res.once("close", () => {
        session.open -= 1;
        session.lastSeen = Date.now();
      });
      await session.transport.handleRequest(req, res);
      return;
    }
    if (req.method !== "POST") return jsonRpcError(res, 400, "Send the Mcp-Session-Id header, or POST an initialize request to start a session.");
    const transport = await openSession(scope);
    await transport.handleRequest(req, res);
    // Anything but a valid initialize leaves the transport without a session: nothing to keep.
    if (!transport.sessionId) await transport.close();
  };

  return {
    async handle(req, res) {
      try {
        await handle(req, res);
      } catch (error) {
        jsonRpcError(res, 500, toPublicError(error, "mcp").message);
      }
    },
    sessionCount: () => sessions.size,
    async close() {
      clearInterval(sweep);
      await Promise.all([...sessions.keys()].map(closeSession));
    },
  };
}
