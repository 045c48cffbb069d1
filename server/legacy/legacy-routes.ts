import { db } from "@/server/db/client";
import { checkHealth } from "@/server/health/check-health";
import { preflightResponse, resolveLegacyCaller, withCors } from "./legacy-caller";
import { errorResponse } from "./legacy-http";
import type { LegacyOptions } from "./legacy-runs";

/** What the route files of the original API (at /api/... and at /c/<token>/...) share. */
type TokenParams = Promise<{ token: string }> | undefined;
type Respond = (req: Request, options: LegacyOptions) => Promise<Response>;

export async function legacyPost(req: Request, respond: Respond, params: TokenParams): Promise<Response> {
  const clientToken = params ? (await params).token : undefined;
  return withCors(req, await respond(req, { db: db(), clientToken }), clientToken !== undefined);
}

export function legacyPreflight(req: Request, params: TokenParams): Response {
  return preflightResponse(req, params !== undefined);
}

/** GET /c/<token>/health: the original's health answer, for a client URL that works. */
export async function clientHealth(req: Request, params: NonNullable<TokenParams>): Promise<Response> {
  try {
    await resolveLegacyCaller({ db: db(), authorization: null, clientToken: (await params).token });
  } catch (error) {
    return withCors(req, errorResponse(error), true);
  }
  const health = await checkHealth();
  return withCors(req, Response.json(health, { status: health.status === "ok" ? 200 : 503 }), true);
}

/** GET /c/<token>/: the original redirected to its web UI; this one goes to the project's page. */
export async function clientHome(req: Request, params: NonNullable<TokenParams>): Promise<Response> {
  try {
    const caller = await resolveLegacyCaller({ db: db(), authorization: null, clientToken: (await params).token });
    return Response.redirect(new URL(`/projects/${caller.projectId}`, req.url), 302);
  } catch (error) {
    return errorResponse(error);
  }
}
