import type { IncomingMessage, ServerResponse } from "node:http";
import packageJson from "@/package.json" with { type: "json" };

/** The parts a starting process brings up, in order; each is "starting" until it is "ok" (or "unavailable"). */
export type StartupPart = "database" | "web" | "worker";
type PartState = "starting" | "ok" | "unavailable";

/**
 * What the process can truthfully say about itself while it starts. The HTTP server listens first and answers
 * /health from here at once (503 with the parts still starting); once the database and the web app are up it is
 * the usual check (200 "ok" with the database reachable), with `starting` naming anything still on its way.
 */
export class StartupHealth {
  private readonly parts: Record<StartupPart, PartState> = { database: "starting", web: "starting", worker: "starting" };
  private readonly startedAt = Date.now();

  set(part: StartupPart, state: PartState): void {
    this.parts[part] = state;
  }

  /** The database and the web app answer: requests can be served. */
  get serving(): boolean {
    return this.parts.database === "ok" && this.parts.web === "ok";
  }

  async body(): Promise<{ status: string; version: string; database: string; starting?: StartupPart[]; uptimeMs: number }> {
    const starting = (Object.keys(this.parts) as StartupPart[]).filter((part) => this.parts[part] === "starting");
    const uptimeMs = Date.now() - this.startedAt;
    if (!this.serving) return { status: "starting", version: packageJson.version, database: this.parts.database, starting, uptimeMs };
    // Imported once serving: the database client is among the heavy modules the first answers must not wait for.
    const { checkHealth } = await import("./check-health");
    const health = await checkHealth();
    return { ...health, ...(starting.length ? { starting } : {}), uptimeMs };
  }

  /** Answers GET /health (200 only when serving and the database answers). */
  async respond(res: ServerResponse): Promise<void> {
    const body = await this.body();
    res.statusCode = body.status === "ok" ? 200 : 503;
    res.setHeader("content-type", "application/json");
    res.setHeader("cache-control", "no-store");
    res.end(JSON.stringify(body));
  }

  /** Anything else before the app serves: 503 with Retry-After, so clients and proxies try again shortly. */
  refuse(req: IncomingMessage, res: ServerResponse): void {
    req.resume();
    res.statusCode = 503;
    res.setHeader("retry-after", "1");
    res.setHeader("content-type", "text/plain; charset=utf-8");
    res.end("AutoCodeAI is starting; try again in a moment.\n");
  }
}

export const isHealthRequest = (url: string | undefined) => url === "/health" || url?.startsWith("/health?") === true;
