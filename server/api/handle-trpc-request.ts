import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { eventStreamResponse, fastSubscriptionOf } from "./event-stream-response";
import { appRouter } from "./root";
import { createContext } from "./trpc";

const MAX_BATCH_SIZE = 50;

/** Every /api/trpc request: run event streams through the encode-once path, everything else through tRPC. */
export function handleTrpcRequest(req: Request, sessionUserId: () => Promise<string | null>): Promise<Response> | Response {
  const fast = fastSubscriptionOf(req);
  if (fast) return eventStreamResponse({ req, ...fast, sessionUserId });
  return handleWithTrpc(req, sessionUserId);
}

/** tRPC's own fetch handler for every procedure (the bench compares run event streams through it). */
export function handleWithTrpc(req: Request, sessionUserId: () => Promise<string | null>): Promise<Response> {
  return fetchRequestHandler({
    endpoint: "/api/trpc",
    req,
    router: appRouter,
    // One request may not ask for unbounded work (a page batches a handful of queries).
    maxBatchSize: MAX_BATCH_SIZE,
    createContext: () => createContext({ headers: req.headers, sessionUserId }),
  });
}
