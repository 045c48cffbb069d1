/**
 * AutoCodeAI's process: settings, the database (embedded Postgres when DATABASE_URL is unset), migrations,
 * then Next.js, with WebSocket upgrades for the original /api/ws endpoint and the MCP endpoint at /mcp. `npm run dev` runs this file.
 */
import { createServer } from "node:http";

import next from "next";
import { CLIENT_ADDRESS_HEADER, clientAddress, parseTrustedProxies } from "@/server/auth/client-address";
import { bootstrap } from "@/server/boot/bootstrap";
import { startBackgroundServices } from "@/server/boot/background";
import { db } from "@/server/db/client";
import { isGitRequest } from "@/server/git/git-http-backend";
import { describeServerModelStatus, serverModelStatus } from "@/server/llm/server-model-status";
import { createMcpHttpHandler, isMcpRequest } from "@/server/mcp/mcp-http";
import { createWorkerGitHandler } from "@/server/runner/remote-repository";

// A self-hosted product phones nowhere by default (and these machines have no route out).
process.env.NEXT_TELEMETRY_DISABLED ??= "1";

async function main(): Promise<void> {
  const dev = process.env.NODE_ENV !== "production";
  const boot = await bootstrap();
  const { PORT: port, HOSTNAME: hostname } = boot.env;

  const app = next({ dev, hostname, port, turbopack: dev });
  await app.prepare();
  const handle = app.getRequestHandler();
  const upgradeNext = app.getUpgradeHandler();
  const background = await startBackgroundServices();

  // MCP sessions live in this process (long-lived SSE streams, per-session state), beside Next rather than in it.
  const mcp = createMcpHttpHandler();
  // Remote workers fetch and push project repositories here, with WORKER_SECRET only (docs/workers.md).
  const gitEndpoint = createWorkerGitHandler({ db });
  const trusted = parseTrustedProxies(boot.env.TRUST_PROXY)!;
  const server = createServer((req, res) => {
    // Overwrites whatever the client sent under that name: only this line says who the client is.
    req.headers[CLIENT_ADDRESS_HEADER] = clientAddress({ remoteAddress: req.socket.remoteAddress, forwardedFor: req.headers["x-forwarded-for"], trusted });
    if (isGitRequest(req.url)) void gitEndpoint(req, res);
    else if (isMcpRequest(req.url)) void mcp.handle(req, res);
    else void handle(req, res);
  });
  server.on("upgrade", (req, socket, head) => {
    if (background.handleUpgrade(req, socket, head)) return;
    void upgradeNext(req, socket, head);
  });
  await new Promise<void>((resolve) => server.listen(port, hostname === "localhost" ? undefined : hostname, resolve));
  console.log(`[autocode] ready on http://localhost:${port} (${dev ? "development" : "production"})`);
  // First start: say now, not at the first run's failure, whether the model endpoint answers.
  void serverModelStatus().then((status) => (status.ok ? console.log : console.warn)(`[autocode] ${describeServerModelStatus(status)}`));

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`[autocode] ${signal}: shutting down`);
    server.close();
    await mcp.close();
    await background.stop();
    await app.close();
    await boot.stop();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
}

main().catch((error: unknown) => {
  console.error("[autocode] failed to start:", error instanceof Error ? error.message : error);
  process.exit(1);
});
