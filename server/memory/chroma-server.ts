import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { ChromaClient } from "chromadb";
import { env } from "@/server/env";
import { AppError } from "@/server/errors";

export interface ChromaHandle {
  url: string;
  /** Stops the server if this process started it; a no-op for an external or shared server. */
  stop(): Promise<void>;
}

export interface EnsureChromaOptions {
  /** Use this server instead of reading CHROMA_URL / CHROMA_HOST from the settings. */
  url?: string;
  /** Where the bundled server keeps its data; defaults to DATA_DIR/chroma. */
  dataPath?: string;
  port?: number;
  startupTimeoutMs?: number;
}

async function heartbeat(url: string, timeoutMs = 1000): Promise<boolean> {
  try {
    const response = await fetch(`${url}/api/v2/heartbeat`, { signal: AbortSignal.timeout(timeoutMs) });
    return response.ok;
  } catch {
    return false;
  }
}

function chromaCliPath(): string {
  try {
    // The package's exports hide dist/cli.mjs; resolve the package entry and walk to its root.
    const entry = createRequire(import.meta.url).resolve("chromadb");
    const cli = path.join(entry.slice(0, entry.lastIndexOf(`${path.sep}dist${path.sep}`)), "dist", "cli.mjs");
    if (existsSync(cli)) return cli;
  } catch {
    // fall through to the bin link
  }
  return path.resolve("node_modules", "chromadb", "dist", "cli.mjs");
}

function configuredUrl(): string | undefined {
  const settings = env();
  if (settings.CHROMA_URL) return settings.CHROMA_URL.replace(/\/+$/, "");
  if (settings.CHROMA_HOST) return `http://${settings.CHROMA_HOST}:${settings.CHROMA_PORT ?? 8000}`;
  return undefined;
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // A server we started must not outlive us and hold the data directory and port.
  process.once("exit", () => {
    for (const child of running) child.kill("SIGTERM");
  });
}

/** Starts the bundled Chroma server (native, in a child Node process) and waits for its heartbeat. */
export async function startChromaServer(options: {
  dataPath: string;
  port: number;
  startupTimeoutMs?: number;
}): Promise<ChromaHandle> {
  const url = `http://127.0.0.1:${options.port}`;
  mkdirSync(options.dataPath, { recursive: true });
  const child = spawn(process.execPath, [chromaCliPath(), "run", "--path", options.dataPath, "--port", String(options.port)], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, NO_COLOR: "1" },
  });
  running.add(child);
  installExitHook();
  let output = "";
  const keepTail = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout?.on("data", keepTail);
  child.stderr?.on("data", keepTail);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  void exited.then(() => running.delete(child));

  const deadline = Date.now() + (options.startupTimeoutMs ?? 30_000);
  let exitCode: number | null | undefined;
  void exited.then((code) => (exitCode = code ?? -1));
  while (!(await heartbeat(url, 500))) {
    if (exitCode !== undefined || Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new AppError("UNAVAILABLE", `Chroma server did not start on port ${options.port}: ${output.trim().slice(-1500)}`, {
        userMessage: `The vector database could not start on port ${options.port}. Free the port, set EMBEDDED_CHROMA_PORT, or point CHROMA_URL at a running Chroma server.`,
      });
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  let stopping: Promise<void> | undefined;
  return {
    url,
    stop: () => {
      stopping ??= (async () => {
        if (exitCode !== undefined) return;
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
        await exited;
        clearTimeout(timer);
      })();
      return stopping;
    },
  };
}

/**
 * A reachable Chroma server: the configured one (CHROMA_URL or CHROMA_HOST/CHROMA_PORT), one already answering
 * on the embedded port (another process of ours started it), or the bundled server started now.
 */
export async function ensureChroma(options: EnsureChromaOptions = {}): Promise<ChromaHandle> {
  const external = options.url?.replace(/\/+$/, "") ?? configuredUrl();
  if (external) {
    if (!(await heartbeat(external, 5000))) {
      throw new AppError("UNAVAILABLE", `Chroma server at ${external} does not answer its heartbeat`, {
        userMessage: `The vector database at ${external} is not reachable. Start it or fix CHROMA_URL / CHROMA_HOST.`,
      });
    }
    return { url: external, stop: async () => {} };
  }
  const settings = env();
  const port = options.port ?? settings.EMBEDDED_CHROMA_PORT;
  const shared = `http://127.0.0.1:${port}`;
  if (await heartbeat(shared)) return { url: shared, stop: async () => {} };
  return startChromaServer({
    dataPath: options.dataPath ?? path.join(settings.DATA_DIR, "chroma"),
    port,
    startupTimeoutMs: options.startupTimeoutMs,
  });
}

export function createChromaClient(url: string): ChromaClient {
  const parsed = new URL(url);
  const ssl = parsed.protocol === "https:";
  return new ChromaClient({ host: parsed.hostname, port: Number(parsed.port || (ssl ? 443 : 80)), ssl });
}

interface ChromaCache {
  handle?: Promise<ChromaHandle>;
  client?: Promise<ChromaClient>;
}

// Cached on globalThis so dev-server reloads reuse the server instead of starting another on the same port.
const cache = ((globalThis as { __autocodeChroma?: ChromaCache }).__autocodeChroma ??= {});

/** The process-wide Chroma client, starting the bundled server on first use when none is configured. */
export function getChromaClient(): Promise<ChromaClient> {
  cache.client ??= (async () => {
    cache.handle ??= ensureChroma();
    try {
      return createChromaClient((await cache.handle).url);
    } catch (error) {
      cache.handle = undefined;
      cache.client = undefined;
      throw error;
    }
  })();
  return cache.client;
}

/** Stops the bundled server if this process started it (call on shutdown). */
export async function stopChroma(): Promise<void> {
  const handle = cache.handle;
  cache.handle = undefined;
  cache.client = undefined;
  if (handle) await (await handle.catch(() => undefined))?.stop();
}
