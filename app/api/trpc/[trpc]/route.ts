import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { appRouter } from "@/server/api/root";
import { createContext } from "@/server/api/trpc";
import { currentUserId } from "@/server/auth/auth";

export const dynamic = "force-dynamic";
const MAX_BATCH_SIZE = 50;

function handler(req: Request) {
  return fetchRequestHandler({
    endpoint: "/api/trpc",
    req,
    router: appRouter,
    // One request may not ask for unbounded work (a page batches a handful of queries).
    maxBatchSize: MAX_BATCH_SIZE,
    createContext: () => createContext({ headers: req.headers, sessionUserId: currentUserId }),
  });
}

export { handler as GET, handler as POST };
