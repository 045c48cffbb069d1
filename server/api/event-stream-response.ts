import { getErrorShape, getTRPCErrorFromUnknown, isTrackedEnvelope } from "@trpc/server/unstable-core-do-not-import";
import superjson from "superjson";
import { appRouter } from "./root";
import { createCallerFactory, createContext } from "./trpc";

/**
 * The run event subscriptions, served as Server-Sent Events in tRPC's wire format (what httpSubscriptionLink
 * reads: `connected`, tracked messages with an id, `return`, `serialized-error`) but with each event encoded
 * once per process: every viewer of a run receives the feed's same event object, and its bytes are cached on
 * it, so a viewer costs one enqueue per event instead of a superjson walk, a JSON.stringify and five chunks
 * through two transform streams. Authorisation, input validation and errors are the procedures' own (called
 * through a server-side caller); anything this does not recognise goes to tRPC's handler unchanged.
 */
const callerOf = createCallerFactory(appRouter);
type Caller = ReturnType<typeof callerOf>;

export const FAST_SUBSCRIPTIONS: Record<string, (caller: Caller, input: unknown) => Promise<AsyncIterable<unknown>>> = {
  "run.events": (caller, input) => caller.run.events(input as Parameters<Caller["run"]["events"]>[0]),
  "share.events": (caller, input) => caller.share.events(input as Parameters<Caller["share"]["events"]>[0]),
};


const SSE_HEADERS = { "content-type": "text/event-stream", "cache-control": "no-cache, no-transform", "x-accel-buffering": "no", connection: "keep-alive" };
const encoder = new TextEncoder();
const CONNECTED = encoder.encode("event: connected\ndata: {}\n\n");
const RETURN = encoder.encode("event: return\ndata: \n\n");

/** Encoded messages by event object: the feed hands the same object to every viewer in the process. */
const encoded = new WeakMap<object, { id: string; bytes: Uint8Array }>();

/** One tracked event as an SSE message, encoded the first time any viewer sends it. */
export function encodeTracked(id: string, data: unknown): Uint8Array {
  const cacheable = typeof data === "object" && data !== null;
  const hit = cacheable ? encoded.get(data) : undefined;
  if (hit && hit.id === id) return hit.bytes;
  const bytes = encoder.encode(`id: ${id}\ndata: ${JSON.stringify(superjson.serialize(data))}\n\n`);
  if (cacheable) encoded.set(data, { id, bytes });
  return bytes;
}

/** The procedure's path and input when the request is a plain (unbatched) GET of a fast subscription, else null. */
export function fastSubscriptionOf(req: Request): { path: string; input: unknown } | null {
  if (req.method !== "GET") return null;
  const url = new URL(req.url);
  const path = url.pathname.slice(url.pathname.lastIndexOf("/") + 1);
  if (!Object.hasOwn(FAST_SUBSCRIPTIONS, path) || url.searchParams.has("batch") || url.searchParams.has("connectionParams")) return null;
  let input: unknown;
  try {
    const raw = url.searchParams.get("input");
    input = raw === null ? undefined : superjson.deserialize(JSON.parse(raw));
  } catch {
    return null; // tRPC answers malformed input with its own error
  }
  // As tRPC does: a reconnecting EventSource names the last id it saw, and the procedure resumes after it.
  const lastEventId = req.headers.get("last-event-id") ?? url.searchParams.get("lastEventId") ?? url.searchParams.get("Last-Event-Id");
  if (lastEventId && typeof input === "object" && input !== null) input = { ...input, lastEventId };
  return { path, input };
}

/**
 * Streams a fast subscription. The context and the procedure's checks run before the response is returned (as
 * tRPC does: a session is read from the request's scope, which ends with the handler); the body is pulled, so a
 * viewer whose socket is full stops pulling and its events wait in its own bounded buffer (streamRunEvents),
 * never in the writer's way. Errors, before or during the stream, are sent as tRPC sends them.
 */
export async function eventStreamResponse(options: { req: Request; path: string; input: unknown; sessionUserId: () => Promise<string | null> }): Promise<Response> {
  const { req, path, input } = options;
  const abort = new AbortController();
  const onAbort = () => abort.abort();
  req.signal.addEventListener("abort", onAbort);
  let ctx: Awaited<ReturnType<typeof createContext>> | undefined;
  let iterator: AsyncIterator<unknown> | undefined;
  let failure: { cause: unknown } | undefined;
  try {
    ctx = await createContext({ headers: req.headers, sessionUserId: options.sessionUserId });
    iterator = (await FAST_SUBSCRIPTIONS[path]!(callerOf(ctx, { signal: abort.signal }), input))[Symbol.asyncIterator]();
  } catch (cause) {
    failure = { cause };
  }
  const finish = () => {
    req.signal.removeEventListener("abort", onAbort);
    abort.abort();
    void iterator?.return?.()?.catch(() => undefined);
  };
  const errorMessage = (cause: unknown) => {
    const shape = getErrorShape({ config: appRouter._def._config, ctx, error: getTRPCErrorFromUnknown(cause), input, path, type: "subscription" });
    return encoder.encode(`event: serialized-error\ndata: ${JSON.stringify(superjson.serialize(shape))}\n\n`);
  };
  const body = new ReadableStream<Uint8Array>(
    {
      start(controller) {
        controller.enqueue(CONNECTED);
        if (failure) {
          controller.enqueue(errorMessage(failure.cause));
          controller.close();
          finish();
        }
      },
      async pull(controller) {
        try {
          const step = await iterator!.next();
          if (step.done) {
            controller.enqueue(RETURN);
            controller.close();
            finish();
            return;
          }
          const value = step.value;
          controller.enqueue(isTrackedEnvelope(value) ? encodeTracked(value[0], value[1]) : encoder.encode(`data: ${JSON.stringify(superjson.serialize(value))}\n\n`));
        } catch (error) {
          if (!abort.signal.aborted) {
            controller.enqueue(errorMessage(error));
            controller.close();
          }
          finish();
        }
      },
      cancel() {
        finish();
      },
    },
    { highWaterMark: 1 },
  );
  return new Response(body, { status: 200, headers: SSE_HEADERS });
}
