import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocket, WebSocketServer, type RawData } from "ws";
import type { Db } from "@/server/db/client";
import { AppError, toPublicError } from "@/server/errors";
import { startTask } from "@/server/runs/start-run";
import { streamRunEvents } from "@/server/runs/stream-run-events";
import { resolveLegacyCaller, type LegacyCaller } from "./legacy-caller";
import { LegacyChunker } from "./legacy-chunks";
import { MAX_BODY_BYTES } from "./legacy-http";
import { legacyTaskInput } from "./legacy-input";
import { followUpByIds } from "@/server/threads/follow-up";
import { dropMissingContextFiles, legacyThreadIds } from "./legacy-runs";

export const LEGACY_WS_PATH = "/api/ws";
/** The same endpoint under a client URL: /c/<token>/api/ws. */
const CLIENT_WS_PATH = /^\/c\/([^/]+)\/api\/ws$/;
export const DONE_SENTINEL = "__DONE__";
/** A connection with no task running that sends nothing for this long is closed. */
const IDLE_TIMEOUT_MS = 10 * 60_000;
const FIRST_MESSAGE_TIMEOUT_MS = 60_000;

export interface LegacyWsServer {
  /** True when the upgrade was for /api/ws (then this server owns the socket, whatever the outcome). */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  close(): Promise<void>;
}

/** Answers a refused upgrade with a plain HTTP response, as a browser or `ws` client expects. */
function refuseUpgrade(socket: Duplex, error: unknown): void {
  const { code, message, status } = toPublicError(error, "legacy-ws");
  const body = JSON.stringify({ detail: message, code });
  const reason = status === 401 ? "Unauthorized" : status === 400 ? "Bad Request" : "Error";
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

function parseTaskMessage(data: RawData, isBinary: boolean): unknown {
  if (isBinary) throw new AppError("BAD_REQUEST", "Send the task as a JSON text message.");
  try {
    return JSON.parse(data.toString());
  } catch (error) {
    throw new AppError("BAD_REQUEST", `The message is not valid JSON: ${(error as Error).message}`);
  }
}

/**
 * The original WS /api/ws: the client sends tasks as JSON messages {task, context_files[, project_id]}, one
 * after another on the same socket; each gets the run's text chunks, then `__DONE__`. A refused task gets
 * `Error: <message>` and its `__DONE__`, and the socket stays open. A client that leaves does not cancel runs.
 */
export function createLegacyWsServer(options: { db: () => Db }): LegacyWsServer {
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_BODY_BYTES });

  const serve = (ws: WebSocket, caller: LegacyCaller, projectHint: string | null) => {
    const stop = new AbortController();
    ws.on("error", () => stop.abort());
    ws.on("close", () => stop.abort());
    const send = (text: string) => {
      if (ws.readyState === WebSocket.OPEN) ws.send(text);
    };
    let idle: NodeJS.Timeout | undefined;
    const armIdle = (ms: number) => {
      clearTimeout(idle);
      idle = setTimeout(() => {
        send(`Error: No task arrived for ${ms / 1000} s; the connection is closed.`);
        ws.close(4408, "idle");
      }, ms);
    };
    armIdle(FIRST_MESSAGE_TIMEOUT_MS);

    const runTask = async (data: RawData, isBinary: boolean) => {
      try {
        const message = parseTaskMessage(data, isBinary);
        const thread = message && typeof message === "object" ? legacyThreadIds(message as Record<string, unknown>) : null;
        let runId: string;
        let warnings: string[] = [];
        if (thread) {
          // The next turn of a conversation: its project and context files are the previous turn's.
          const task = (message as { task?: unknown }).task;
          const started = await followUpByIds({ db: options.db(), userId: caller.userId, prompt: typeof task === "string" ? task : "", ...thread });
          runId = started.runId;
          send(`🚀 Run ${runId} queued (thread ${started.threadId})\n`);
        } else {
          const input = legacyTaskInput(message, caller.projectId ?? projectHint);
          const strict = (message as { strict?: unknown } | null)?.strict === true;
          const checked = await dropMissingContextFiles({ db: options.db(), userId: caller.userId, projectId: input.projectId, files: input.contextFiles ?? [], strict });
          warnings = checked.warnings;
          runId = (await startTask({ db: options.db(), userId: caller.userId, input: { ...input, contextFiles: checked.files } })).runId;
          send(`🚀 Run ${runId} queued\n`);
        }
        for (const warning of warnings) send(`⚠️ ${warning}\n`);
        const chunker = new LegacyChunker();
        for await (const event of streamRunEvents({ db: options.db(), runId, afterSeq: 0, signal: stop.signal })) {
          for (const chunk of chunker.chunksFor(event)) send(chunk);
        }
      } catch (error) {
        send(`Error: ${toPublicError(error, "legacy-ws").message}`);
      }
      send(DONE_SENTINEL);
    };

    // Tasks run one after another, in the order they arrived, as the original's receive loop did.
    let queue: Promise<void> = Promise.resolve();
    let pending = 0;
    ws.on("message", (data: RawData, isBinary: boolean) => {
      clearTimeout(idle);
      pending++;
      queue = queue.then(async () => {
        await runTask(data, isBinary);
        if (--pending === 0 && !stop.signal.aborted) armIdle(IDLE_TIMEOUT_MS);
      });
    });
    ws.on("close", () => clearTimeout(idle));
  };

  return {
    handleUpgrade(req, socket, head) {
      const url = new URL(req.url ?? "/", "http://localhost");
      const clientPath = CLIENT_WS_PATH.exec(url.pathname);
      if (url.pathname !== LEGACY_WS_PATH && !clientPath) return false;
      // A client that resets during the token lookup must not crash the process.
      socket.on("error", () => socket.destroy());
      void (async () => {
        try {
          // Browsers cannot set headers on a WebSocket, hence ?token= or a client URL; either can end up in
          // access logs (see README). No Origin check is needed: only an explicit token authenticates here.
          const token = url.searchParams.get("token");
          const caller = await resolveLegacyCaller({
            db: options.db(),
            authorization: req.headers.authorization ?? (token ? `Bearer ${token}` : undefined),
            clientToken: clientPath ? decodeURIComponent(clientPath[1]!) : undefined,
          });
          const header = req.headers["x-project-id"];
          const projectHint = (Array.isArray(header) ? header[0] : header) ?? url.searchParams.get("project_id");
          wss.handleUpgrade(req, socket, head, (ws) => serve(ws, caller, projectHint));
        } catch (error) {
          refuseUpgrade(socket, error);
        }
      })();
      return true;
    },
    async close() {
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
