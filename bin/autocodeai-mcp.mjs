#!/usr/bin/env node
// @ts-check
/**
 * autocodeai-mcp: AutoCodeAI's MCP server for clients that only speak stdio. It starts no server of its own:
 * every JSON-RPC message is passed to a running AutoCodeAI's /mcp endpoint (Streamable HTTP) and back, so the
 * tools, access rules and resumable streams are the server's. Logs go to stderr; stdout carries only MCP.
 *
 *   autocodeai-mcp --url http://localhost:3000 --token acai_...   (or AUTOCODEAI_URL / AUTOCODEAI_TOKEN)
 */
import { parseArgs } from "node:util";
import { StreamableHTTPClientTransport, StreamableHTTPError } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";

const USAGE = `Usage: autocodeai-mcp --url <AutoCodeAI URL> --token <personal API token>
  --url    the app's address, e.g. http://localhost:3000 (/mcp is added when missing), or a project's client
           URL (http://host/c/<token>, which needs no --token); or AUTOCODEAI_URL
  --token  a personal API token from Settings > API tokens; or AUTOCODEAI_TOKEN (keeps it out of the process list)`;

const { values } = parseArgs({ options: { url: { type: "string" }, token: { type: "string" }, help: { type: "boolean", short: "h" } } });
const url = values.url ?? process.env.AUTOCODEAI_URL;
const token = values.token ?? process.env.AUTOCODEAI_TOKEN;
if (values.help || !url) {
  console.error(values.help ? USAGE : `autocodeai-mcp: no URL given.\n${USAGE}`);
  process.exit(values.help ? 0 : 2);
}

let endpoint;
try {
  endpoint = new URL(url);
} catch {
  console.error(`autocodeai-mcp: ${JSON.stringify(url)} is not a URL.\n${USAGE}`);
  process.exit(2);
}
if (!endpoint.pathname.endsWith("/mcp")) endpoint.pathname = `${endpoint.pathname.replace(/\/$/, "")}/mcp`;
if (!token && !/^\/c\/[^/]+\/mcp$/.test(endpoint.pathname)) {
  console.error(`autocodeai-mcp: no token given (only a project's client URL works without one).\n${USAGE}`);
  process.exit(2);
}

/** Ids of the proxy's own requests (a replayed initialize): their answers are not the client's. */
const OWN = "autocodeai-mcp:";
const own = new Map();
let remote = connectRemote();
/** The client's initialize request, replayed to open a new session when the server has lost ours (a restart). */
let initialize;
let reopening;

function connectRemote() {
  const transport = new StreamableHTTPClientTransport(endpoint, {
    requestInit: { headers: token ? { authorization: `Bearer ${token}` } : {} },
    reconnectionOptions: { initialReconnectionDelay: 500, maxReconnectionDelay: 10_000, reconnectionDelayGrowFactor: 1.5, maxRetries: 20 },
  });
  transport.onmessage = (message) => {
    if ("id" in message && typeof message.id === "string" && own.has(message.id)) return own.get(message.id)(message);
    // The HTTP transport must send the negotiated version on every later request (the SDK's Client does this itself).
    if ("result" in message && message.result && typeof message.result.protocolVersion === "string") transport.setProtocolVersion(message.result.protocolVersion);
    void local.send(message);
  };
  transport.onerror = (error) => console.error(`autocodeai-mcp: ${messageOf(error)}`);
  return transport;
}

async function reopen() {
  const fresh = connectRemote();
  await fresh.start();
  const id = `${OWN}${Date.now()}`;
  const answered = new Promise((resolve) => own.set(id, resolve));
  await fresh.send({ ...initialize, id });
  const answer = await answered;
  own.delete(id);
  if (answer.error) throw new Error(answer.error.message);
  fresh.setProtocolVersion(answer.result.protocolVersion);
  await fresh.send({ jsonrpc: "2.0", method: "notifications/initialized" });
  const old = remote;
  remote = fresh;
  await old.close().catch(() => undefined);
  console.error("autocodeai-mcp: the server had lost the session (restarted?); opened a new one");
}

async function forward(message) {
  if (message.method === "initialize") initialize = message;
  await reopening;
  try {
    await remote.send(message);
  } catch (error) {
    const lost = error instanceof StreamableHTTPError && error.code === 404 && initialize && message.method !== "initialize";
    if (!lost) throw error;
    reopening ??= reopen().finally(() => (reopening = undefined));
    await reopening;
    await remote.send(message);
  }
}

const local = new StdioServerTransport();

/** The server's own words from a failed HTTP exchange (its JSON-RPC error body), else the transport's. */
function messageOf(error) {
  const text = error instanceof Error ? error.message : String(error);
  const json = text.slice(text.indexOf("{"));
  try {
    return JSON.parse(json).error?.message ?? text;
  } catch {
    return text;
  }
}

local.onmessage = (message) => {
  forward(message).catch((error) => {
    // A request must get an answer, or the client waits forever: turn a failed POST into its JSON-RPC error.
    if ("id" in message && "method" in message) {
      const status = error instanceof StreamableHTTPError ? error.code : undefined;
      void local.send({ jsonrpc: "2.0", id: message.id, error: { code: -32000, message: messageOf(error), data: status ? { httpStatus: status } : undefined } });
    }
  });
};

let closing = false;
async function shutdown() {
  if (closing) return;
  closing = true;
  await remote.terminateSession().catch(() => undefined);
  await remote.close().catch(() => undefined);
  process.exit(0);
}
local.onclose = () => void shutdown();
process.stdin.on("end", () => void shutdown());
process.on("SIGINT", () => void shutdown());
process.on("SIGTERM", () => void shutdown());

await remote.start();
await local.start();
