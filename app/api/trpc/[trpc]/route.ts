import { handleTrpcRequest } from "@/server/api/handle-trpc-request";
import { currentUserId } from "@/server/auth/auth";

export const dynamic = "force-dynamic";

function handler(req: Request) {
  return handleTrpcRequest(req, currentUserId);
}

export { handler as GET, handler as POST };
