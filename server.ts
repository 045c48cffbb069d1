/**
 * AutoCodeAI's process: settings, then the HTTP server at once (so /health answers truthfully while the rest
 * starts: server/health/startup-health.ts), the database (embedded Postgres when DATABASE_URL is unset),
 * migrations, Next.js, then the worker and the other background services, with WebSocket upgrades for the
 * original /api/ws endpoint and the MCP endpoint at /mcp. `npm run dev` runs this file. The heavy modules are
 * imported after the server listens: importing them is most of a start's time.
 */
import fs from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import path from "node:path";
import type { Duplex } from "node:stream";
import { loadSettings } from "@/server/boot/load-settings";
import { isHealthRequest, StartupHealth } from "@/server/health/startup-health";

// A self-hosted product phones nowhere by default (and these machines have no route out).
process.env.NEXT_TELEMETRY_DISABLED ??= "1";

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

async function main(): Promise<void> {
  const dev = process.env.NODE_ENV !== "production";
  const settings = loadSettings();
  const { PORT: port, HOSTNAME: hostname } = settings;
  const health = new StartupHealth();
  const stops: Array<() => Promise<unknown>> = [];
  let serve: Handler | undefined;
  let upgrade: UpgradeHandler | undefined;

  const server = createServer((req, res) => {
    if (isHealthRequest(req.url) && (req.method === "GET" || req.method === "HEAD")) void health.respond(res);
    else if (serve) serve(req, res);
    else health.refuse(req, res);
  });
  server.on("upgrade", (req, socket, head) => (upgrade ? upgrade(req, socket, head) : socket.destroy()));
  await new Promise<void>((resolve) => server.listen(port, hostname === "localhost" ? undefined : hostname, resolve));
  console.log(`[autocode] listening on http://localhost:${port}; /health answers while starting`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`[autocode] ${signal}: shutting down`);
    server.close();
    for (const step of stops.reverse()) await step().catch((error: unknown) => console.error("[autocode] shutdown step failed:", error));
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));

  // The web app (importing Next and the handlers, Next's prepare) starts beside the database, not after it:
  // neither needs the other until the first request, and each is seconds of a start (issue #17).
  // The database first: PGlite's wasm compiles off the main thread while Next's modules load on it.
  const booting = import("@/server/boot/bootstrap").then(({ bootstrap }) => bootstrap());
  booting.catch(() => undefined); // awaited below; a failure is reported there
  const web = startWeb({ dev, hostname, port }).then((started) => ({ ...started, readyMs: Math.round(performance.now()) }));
  web.catch(() => undefined);
  const boot = await booting;
  stops.push(() => boot.stop());
  health.set("database", "ok");
  const databaseMs = Math.round(performance.now());

  const { app, handle, upgradeNext, mcp, gitEndpoint, CLIENT_ADDRESS_HEADER, clientAddress, parseTrustedProxies, isGitRequest, isMcpRequest, readyMs } = await web;
  stops.push(() => app.close());
  stops.push(() => mcp.close());
  const trusted = parseTrustedProxies(boot.env.TRUST_PROXY)!;
  serve = (req, res) => {
    // Overwrites whatever the client sent under that name: only this line says who the client is.
    req.headers[CLIENT_ADDRESS_HEADER] = clientAddress({ remoteAddress: req.socket.remoteAddress, forwardedFor: req.headers["x-forwarded-for"], trusted });
    if (isGitRequest(req.url)) void gitEndpoint(req, res);
    else if (isMcpRequest(req.url)) void mcp.handle(req, res);
    else void handle(req, res);
  };
  health.set("web", "ok");
  // Since the process started: where a slow start went (the database and the web app start side by side).
  console.log(`[autocode] serving after ${Math.round(performance.now())} ms (database up at ${databaseMs} ms, web app at ${readyMs} ms)`);

  // The worker, the sandbox reaper and the repository index come up while the app already serves.
  const { startBackgroundServices } = await import("@/server/boot/background");
  const background = await startBackgroundServices();
  stops.push(() => background.stop());
  upgrade = (req, socket, head) => {
    if (background.handleUpgrade(req, socket, head)) return;
    void upgradeNext(req, socket, head);
  };
  health.set("worker", background.runner || !boot.env.WORKER_ENABLED ? "ok" : "unavailable");
  console.log(`[autocode] ready on http://localhost:${port} (${dev ? "development" : "production"})`);

  // First start: say now, not at the first run's failure, whether the model endpoint answers.
  const { describeServerModelStatus, serverModelStatus } = await import("@/server/llm/server-model-status");
  void serverModelStatus().then((status) => (status.ok ? console.log : console.warn)(`[autocode] ${describeServerModelStatus(status)}`));
  if (dev) {
    const { watchedDataDirWarning } = await import("@/server/boot/watched-data-dir");
    void watchedDataDirWarning({ dataDir: boot.env.DATA_DIR, checkout: process.cwd() }).then((warning) => warning && console.warn(`[autocode] ${warning}`));
  }
}

/**
 * Production serves the config the build resolved (.next/required-server-files.json), as Next's own standalone
 * server does through this variable: otherwise Next transpiles and runs next.config.ts at every start (1-1.4 s
 * under load). Settings were validated by loadSettings already; without a build Next reports the missing build.
 */
function useBuiltNextConfig(): void {
  const file = path.join(process.cwd(), ".next", "required-server-files.json");
  if (process.env.__NEXT_PRIVATE_STANDALONE_CONFIG || !fs.existsSync(file)) return;
  const { config } = JSON.parse(fs.readFileSync(file, "utf8")) as { config: unknown };
  process.env.__NEXT_PRIVATE_STANDALONE_CONFIG = JSON.stringify(config);
}

/** Next.js prepared, and the handlers served beside it; nothing here touches the database before a request. */
async function startWeb(options: { dev: boolean; hostname: string; port: number }) {
  const [{ default: next }, { CLIENT_ADDRESS_HEADER, clientAddress, parseTrustedProxies }, { isGitRequest }, { createMcpHttpHandler, isMcpRequest }, { createWorkerGitHandler }, { db }] = await Promise.all([
    import("next"),
    import("@/server/auth/client-address"),
    import("@/server/git/git-http-backend"),
    import("@/server/mcp/mcp-http"),
    import("@/server/runner/remote-repository"),
    import("@/server/db/client"),
  ]);
  if (!options.dev) useBuiltNextConfig();
  const app = next({ dev: options.dev, hostname: options.hostname, port: options.port, turbopack: options.dev });
  await app.prepare();
  // MCP sessions live in this process (long-lived SSE streams, per-session state), beside Next rather than in it.
  const mcp = createMcpHttpHandler();
  // Remote workers fetch and push project repositories here, with WORKER_SECRET only (docs/workers.md).
  const gitEndpoint = createWorkerGitHandler({ db });
  return { app, handle: app.getRequestHandler(), upgradeNext: app.getUpgradeHandler(), mcp, gitEndpoint, CLIENT_ADDRESS_HEADER, clientAddress, parseTrustedProxies, isGitRequest, isMcpRequest };
}

main().catch((error: unknown) => {
  console.error("[autocode] failed to start:", error instanceof Error ? error.message : error);
  process.exit(1);
});
