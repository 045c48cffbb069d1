import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocket, WebSocketServer, type RawData } from "ws";
import type { Db } from "@/server/db/client";
import { AppError, toPublicError } from "@/server/errors";
import { startTask } from "@/server/runs/start-run";
import { streamRunEvents } from "@/server/runs/stream-run-events";
import { LegacyChunker } from "./legacy-chunks";
import { authenticateBearer } from "@/server/auth/api-tokens";
import { MAX_BODY_BYTES } from "./legacy-http";
import { legacyTaskInput } from "./legacy-input";

export const LEGACY_WS_PATH = "/api/ws";
export const DONE_SENTINEL = "__DONE__";
/** A connection that sends no task within this time is closed. */
const FIRST_MESSAGE_TIMEOUT_MS = 60_000;

export interface LegacyWsServer {
  /** True when the upgrade was for /api/ws (then this server owns the socket, whatever the outcome). */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  close(): Promise<void>;
}

function errorText(error: unknown): { code: string; message: string; status: number } {
  return toPublicError(error, "legacy-ws");
}

/** Answers a refused upgrade with a plain HTTP response, as a browser or `ws` client expects. */
function refuseUpgrade(socket: Duplex, error: unknown): void {
  const { code, message, status } = errorText(error);
  const body = JSON.stringify({ detail: message, code });
  const reason = status === 401 ? "Unauthorized" : status === 400 ? "Bad Request" : "Error";
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/**
 * The original WS /api/ws: the client sends one JSON message {task, context_files[, project_id]}, receives
 * the run's text chunks, then `__DONE__`, then the server closes (1000). Errors send `Error: <message>` and
 * close with 4000 + the HTTP status (4400, 4404, ...). A client that leaves does not cancel the run.
 */
export function createLegacyWsServer(options: { db: () => Db }): LegacyWsServer {
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_BODY_BYTES });

  const fail = (ws: WebSocket, error: unknown) => {
    const { message, status } = errorText(error);
    if (ws.readyState !== WebSocket.OPEN) return;
    ws.send(`Error: ${message}`);
    // A close reason may hold at most 123 bytes; the full message went in the text frame.
    ws.close(4000 + status, message.slice(0, 60));
  };

  const serve = (ws: WebSocket, userId: string, projectHint: string | null) => {
    const stop = new AbortController();
    ws.on("error", () => stop.abort());
    ws.on("close", () => stop.abort());
    const idle = setTimeout(() => fail(ws, new AppError("TIMEOUT", `Send the task as JSON within ${FIRST_MESSAGE_TIMEOUT_MS / 1000} s of connecting.`)), FIRST_MESSAGE_TIMEOUT_MS);
    ws.once("message", (data: RawData, isBinary: boolean) => {
      clearTimeout(idle);
      void (async () => {
        try {
          if (isBinary) throw new AppError("BAD_REQUEST", "Send the task as a JSON text message.");
          let body: unknown;
          try {
            body = JSON.parse(data.toString());
          } catch (error) {
            throw new AppError("BAD_REQUEST", `The message is not valid JSON: ${(error as Error).message}`);
          }
          const { runId } = await startTask({ db: options.db(), userId, input: legacyTaskInput(body, projectHint) });
          const send = (text: string) => {
            if (ws.readyState === WebSocket.OPEN) ws.send(text);
          };
          send(`🚀 Run ${runId} queued\n`);
          const chunker = new LegacyChunker();
          for await (const event of streamRunEvents({ db: options.db(), runId, afterSeq: 0, signal: stop.signal })) {
            for (const chunk of chunker.chunksFor(event)) send(chunk);
          }
          if (ws.readyState === WebSocket.OPEN) {
            ws.send(DONE_SENTINEL);
            ws.close(1000, "done");
          }
        } catch (error) {
          fail(ws, error);
        }
      })();
    });
  };

  return {
    handleUpgrade(req, socket, head) {
      const url = new URL(req.url ?? "/", "http://localhost");
      if (url.pathname !== LEGACY_WS_PATH) return false;
      // A client that resets during the token lookup must not crash the process.
      socket.on("error", () => socket.destroy());
      void (async () => {
        try {
          // Browsers cannot set headers on a WebSocket, hence ?token=; it can end up in access logs (see README).
          // No Origin check is needed: only an explicit token authenticates here, never a cookie.
          const token = url.searchParams.get("token");
          const authorization = req.headers.authorization ?? (token ? `Bearer ${token}` : undefined);
          const userId = await authenticateBearer({ db: options.db(), authorization });
          const header = req.headers["x-project-id"];
          const projectHint = (Array.isArray(header) ? header[0] : header) ?? url.searchParams.get("project_id");
          wss.handleUpgrade(req, socket, head, (ws) => serve(ws, userId, projectHint));
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
