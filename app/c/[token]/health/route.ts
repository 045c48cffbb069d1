import { clientHealth, legacyPreflight } from "@/server/legacy/legacy-routes";

export const dynamic = "force-dynamic";

type Params = { params: Promise<{ token: string }> };

export function GET(req: Request, { params }: Params): Promise<Response> {
  return clientHealth(req, params);
}

export function OPTIONS(req: Request, { params }: Params): Response {
  return legacyPreflight(req, params);
}
