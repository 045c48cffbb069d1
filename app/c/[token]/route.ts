import { clientHome } from "@/server/legacy/legacy-routes";

export const dynamic = "force-dynamic";

export function GET(req: Request, { params }: { params: Promise<{ token: string }> }): Promise<Response> {
  return clientHome(req, params);
}
