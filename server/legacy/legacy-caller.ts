import { authenticateBearer } from "@/server/auth/api-tokens";
import { authenticateClientUrl } from "@/server/client-urls/client-urls";
import type { Db } from "@/server/db/client";
import { env } from "@/server/env";
import { AppError } from "@/server/errors";

/** Who calls the original API: a bearer token (the project named per request) or a client URL (its one project). */
export interface LegacyCaller {
  userId: string;
  /** Set for a client URL: every request is about this project, whatever it names. */
  projectId: string | null;
}

export async function resolveLegacyCaller(options: { db: Db; authorization: string | null | undefined; clientToken?: string }): Promise<LegacyCaller> {
  if (options.clientToken === undefined) return { userId: await authenticateBearer(options), projectId: null };
  const found = await authenticateClientUrl({ db: options.db, token: options.clientToken });
  if (!found) throw new AppError("UNAUTHORIZED", "This client URL is unknown or revoked. Make a new one on the project page, under Client URLs.");
  return found;
}

/**
 * CORS for the original endpoints: origins listed in CORS_ORIGINS; `*` only for client-URL requests, which carry
 * their own secret in the path. Never Allow-Credentials: these endpoints authenticate by token, never by cookie.
 */
export function corsHeaders(req: Request, clientUrl: boolean): Record<string, string> {
  const origin = req.headers.get("origin");
  if (!origin) return {};
  const allowed = env().CORS_ORIGINS;
  const star = clientUrl && allowed.includes("*");
  if (!star && !allowed.includes(origin)) return {};
  return { "access-control-allow-origin": star ? "*" : origin, vary: "Origin", "access-control-expose-headers": "X-Run-Id" };
}

export function withCors(req: Request, response: Response, clientUrl: boolean): Response {
  const headers = corsHeaders(req, clientUrl);
  if (Object.keys(headers).length === 0) return response;
  const merged = new Headers(response.headers);
  for (const [name, value] of Object.entries(headers)) merged.set(name, value);
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers: merged });
}

/** OPTIONS: the preflight a browser sends before a cross-origin POST with JSON or an Authorization header. */
export function preflightResponse(req: Request, clientUrl: boolean): Response {
  const headers = corsHeaders(req, clientUrl);
  if (Object.keys(headers).length === 0) return new Response(null, { status: 204 });
  return new Response(null, {
    status: 204,
    headers: {
      ...headers,
      "access-control-allow-methods": "GET, POST, OPTIONS",
      "access-control-allow-headers": "authorization, content-type, x-project-id",
      "access-control-max-age": "600",
    },
  });
}
