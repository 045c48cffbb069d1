import { AppError } from "@/server/errors";
import { streamRunEvents } from "@/server/runs/stream-run-events";
import { LegacyChunker, sseEventAs, sseFormatOf } from "./legacy-chunks";
import { errorResponse } from "./legacy-http";
import { legacyTaskInput } from "./legacy-input";
import { startFromRequest, type LegacyOptions } from "./legacy-runs";

/** SSE comment lines keep proxies from closing a stream while a model thinks. */
const KEEP_ALIVE_MS = 15_000;

/**
 * POST /api/agent/stream: Server-Sent Events, one `data:` line per text chunk (newlines as `↵` unless
 * ?format=json or ?format=escaped), ending with the run's closing line. The run id is in the X-Run-Id header
 * and the first chunk; warnings (ignored context files) follow it.
 */
export async function respondLegacyStream(req: Request, options: LegacyOptions): Promise<Response> {
  const format = sseFormatOf(req.url);
  let started: Awaited<ReturnType<typeof startFromRequest>>;
  try {
    if (!format) throw new AppError("BAD_REQUEST", "Unknown format: use ?format=json (lossless JSON strings) or leave it out for the original `↵` encoding.");
    started = await startFromRequest(req, options, legacyTaskInput);
  } catch (error) {
    return errorResponse(error);
  }
  const { runId, warnings } = started;
  const stop = new AbortController();
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      const send = (chunk: string) => {
        if (!stop.signal.aborted) controller.enqueue(encoder.encode(sseEventAs(chunk, format!)));
      };
      const keepAlive = setInterval(() => {
        if (!stop.signal.aborted) controller.enqueue(encoder.encode(": keep-alive\n\n"));
      }, KEEP_ALIVE_MS);
      void (async () => {
        try {
          send(`🚀 Run ${runId} queued\n`);
          for (const warning of warnings) send(`⚠️ ${warning}\n`);
          const chunker = new LegacyChunker();
          for await (const event of streamRunEvents({ db: options.db, runId, afterSeq: 0, signal: stop.signal })) {
            for (const chunk of chunker.chunksFor(event)) send(chunk);
          }
        } catch (error) {
          console.error(`[legacy-api] stream of run ${runId} failed:`, error);
          send(`❌ The stream broke off (the run goes on): look up run ${runId}.\n`);
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
