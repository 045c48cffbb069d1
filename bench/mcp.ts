/**
 * What MCP costs on top of the tRPC API for the same work: a one-step task (the fake model's default plan)
 * through MCP `run_task` + `wait_for_run` against the same task through tRPC (`task.create`, the `run.events`
 * SSE subscription until run.finished, then `run.byId` and `run.diff` at once, which is what wait_for_run's
 * answer holds), alternated in one process: one HTTP server serving both /mcp and /api/trpc, one in-process worker
 * (LocalRunner, one run at a time) with the real Docker sandbox and a zero-latency fake model. Both clients
 * are connected before timing (the MCP session is open, as an agent's would be).
 *   mcp.run_task_overhead_ms: median over pairs of (MCP time - tRPC time), each pair run back to back.
 * Run alone: npx tsx bench/mcp.ts [--quick]
 */
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { createTRPCClient, httpLink } from "@trpc/client";
import { createHTTPHandler } from "@trpc/server/adapters/standalone";
import superjson from "superjson";
import { startBenchDatabase } from "@/bench/lib/bench-database";
import { subscribeSse, subscriptionUrl } from "@/bench/lib/sse-subscriber";
import { runStandalone } from "@/bench/lib/standalone";
import { median, round } from "@/bench/lib/stats";
import type { AppRouter } from "@/server/api/root";
import { appRouter } from "@/server/api/root";
import { createContext } from "@/server/api/trpc";
import { createApiToken } from "@/server/auth/api-tokens";
import { signUp } from "@/server/auth/credentials";
import { db } from "@/server/db/client";
import { resetEnvForTests } from "@/server/env";
import { createMcpHttpHandler, isMcpRequest } from "@/server/mcp/mcp-http";
import { createProject } from "@/server/projects/create-project";
import { runBus } from "@/server/runs/run-bus";
import { startTestRunner } from "@/tests/helpers/test-runner";

function headersOf(req: http.IncomingMessage): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) if (typeof value === "string") headers.set(name, value);
  return headers;
}

export async function benchMcp({ quick = false }: { quick?: boolean } = {}): Promise<Record<string, number>> {
  const pairs = quick ? 3 : 9;
  const database = await startBenchDatabase();
  Object.assign(process.env, { DATABASE_URL: database.url, DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), "bench-mcp-")), AUTH_SECRET: process.env.AUTH_SECRET ?? "bench-secret-not-for-production" });
  resetEnvForTests();
  const runner = await startTestRunner({ concurrency: 1 });
  const mcp = createMcpHttpHandler();
  const trpc = createHTTPHandler({ router: appRouter, basePath: "/api/trpc/", createContext: ({ req }) => createContext({ headers: headersOf(req), sessionUserId: async () => null }) });
  const server = http.createServer((req, res) => (isMcpRequest(req.url) ? void mcp.handle(req, res) : trpc(req, res)));
  let client: Client | undefined;
  try {
    const user = await signUp({ db: db(), input: { email: "bench-mcp@example.test", password: "correct-horse-42", name: "bench" } });
    const project = await createProject({ db: db(), userId: user.id, input: { name: "bench-mcp" } });
    const { token } = await createApiToken({ db: db(), userId: user.id, name: "bench" });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const headers = { authorization: `Bearer ${token}` };
    const api = createTRPCClient<AppRouter>({ links: [httpLink({ url: `${origin}/api/trpc`, transformer: superjson, headers })] });
    client = new Client({ name: "bench", version: "1.0.0" });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${origin}/mcp`), { requestInit: { headers } }));
    const mcpClient = client;

    let n = 0;
    const prompt = () => `Write add(a, b) in calc.py, take ${++n}`;
    const viaTrpc = async () => {
      const started = performance.now();
      const { runId } = await api.task.create.mutate({ projectId: project.id, prompt: prompt() });
      await new Promise<void>((resolve, reject) => {
        const sse = subscribeSse({
          url: subscriptionUrl(`${origin}/api/trpc`, "run.events", { runId }),
          headers,
          onMessage: (message) => {
            if (message.event === "message" && message.data && superjson.parse<{ type: string }>(message.data).type === "run.finished") {
              sse.close();
              resolve();
            }
          },
        });
        sse.ended.catch(reject);
      });
      const [run] = await Promise.all([api.run.byId.query({ runId }), api.run.diff.query({ runId })]);
      if (run.status !== "SUCCEEDED") throw new Error(`bench run ${runId} ended ${run.status}: ${run.statusReason}`);
      return performance.now() - started;
    };
    const runTaskMs: number[] = [];
    const viaMcp = async () => {
      const started = performance.now();
      const run = await mcpClient.callTool({ name: "run_task", arguments: { projectId: project.id, prompt: prompt() } });
      runTaskMs.push(performance.now() - started);
      const runId = (run.structuredContent as { runId: string }).runId;
      const waited = (await mcpClient.callTool({ name: "wait_for_run", arguments: { runId, timeoutSeconds: 120 } }, undefined, { timeout: 130_000 })) as CallToolResult;
      const elapsed = performance.now() - started;
      if ((waited.structuredContent as { status?: string }).status !== "SUCCEEDED") throw new Error(`bench run ${runId} did not succeed: ${JSON.stringify(waited.content[0])}`);
      return elapsed;
    };

    await viaTrpc(); // warm-up: JIT, the sandbox pool, Prisma's first queries
    await viaMcp();
    runTaskMs.length = 0;
    const trpcMs: number[] = [];
    const mcpMs: number[] = [];
    const differences: number[] = [];
    for (let i = 0; i < pairs; i++) {
      // Alternate which goes first, so a slow drift of the machine does not favour one side.
      let trpcTime: number;
      let mcpTime: number;
      if (i % 2 === 0) {
        trpcTime = await viaTrpc();
        mcpTime = await viaMcp();
      } else {
        mcpTime = await viaMcp();
        trpcTime = await viaTrpc();
      }
      trpcMs.push(trpcTime);
      mcpMs.push(mcpTime);
      differences.push(mcpTime - trpcTime);
    }
    return {
      "mcp.run_task_overhead_ms": round(median(differences)),
      "mcp.p50_ms": round(median(mcpMs)),
      "mcp.trpc_p50_ms": round(median(trpcMs)),
      "mcp.run_task_return_p50_ms": round(median(runTaskMs)),
      "mcp.runs": pairs,
    };
  } finally {
    await client?.close().catch(() => undefined);
    await mcp.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await runner.stop();
    await runBus().close();
    await db().$disconnect();
    await database.stop();
  }
}

runStandalone(import.meta.url, benchMcp);
