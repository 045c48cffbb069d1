/**
 * What MCP costs on top of the tRPC API for the same work: a one-step task (the fake model's default plan)
 * through MCP `run_task` + `wait_for_run` against the same task through tRPC (`task.create`, the `run.events`
 * SSE subscription until run.finished, then `run.byId` and `run.diff` at once, which is what wait_for_run's
 * answer holds). One process: one HTTP server serving both /mcp and /api/trpc, one in-process worker
 * (LocalRunner, one run at a time) with the real Docker sandbox and a zero-latency fake model. Both clients
 * are connected before timing (the MCP session is open, as an agent's would be).
 * The run itself takes seconds and varies by hundreds of milliseconds, far more than the overhead, so the two
 * APIs are compared on the same runs: starting (run_task against task.create, alternating which goes first)
 * and finishing (both clients wait for the same run at once; the gap between their answers is delivery alone).
 *   mcp.run_task_overhead_ms = median start difference + median finish difference.
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
    const input = () => ({ projectId: project.id, prompt: `Write add(a, b) in calc.py, take ${++n}` });
    const timedStart = async (start: () => Promise<string>) => {
      const started = performance.now();
      const runId = await start();
      return { runId, ms: performance.now() - started };
    };
    const startTrpc = () => timedStart(async () => (await api.task.create.mutate(input())).runId);
    const startMcp = () => timedStart(async () => ((await mcpClient.callTool({ name: "run_task", arguments: input() })).structuredContent as { runId: string }).runId);

    /** Until the answer with outcome and diff is in hand: SSE to run.finished, then byId and diff at once. */
    const awaitTrpc = async (runId: string) => {
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
      return performance.now();
    };
    const awaitMcp = async (runId: string) => {
      const waited = (await mcpClient.callTool({ name: "wait_for_run", arguments: { runId, timeoutSeconds: 120 } }, undefined, { timeout: 130_000 })) as CallToolResult;
      if ((waited.structuredContent as { status?: string }).status !== "SUCCEEDED") throw new Error(`bench run ${runId} did not succeed: ${JSON.stringify(waited.content[0])}`);
      return performance.now();
    };
    /** Both clients wait for the same run at once: the difference is delivery alone, the run's own time cancels out. */
    const finishDifference = async (runId: string) => {
      const [mcpDone, trpcDone] = await Promise.all([awaitMcp(runId), awaitTrpc(runId)]);
      return mcpDone - trpcDone;
    };

    await finishDifference((await startTrpc()).runId); // warm-up: JIT, the sandbox pool, Prisma's first queries
    await finishDifference((await startMcp()).runId);
    const trpcStartMs: number[] = [];
    const mcpStartMs: number[] = [];
    const finishDiffs: number[] = [];
    for (let i = 0; i < pairs; i++) {
      // One run started each way, in alternating order; each is then awaited by both clients together.
      let trpcRun: { runId: string; ms: number };
      let mcpRun: { runId: string; ms: number };
      if (i % 2 === 0) {
        trpcRun = await startTrpc();
        mcpRun = await startMcp();
      } else {
        mcpRun = await startMcp();
        trpcRun = await startTrpc();
      }
      trpcStartMs.push(trpcRun.ms);
      mcpStartMs.push(mcpRun.ms);
      finishDiffs.push(await finishDifference(trpcRun.runId), await finishDifference(mcpRun.runId));
    }
    const startOverhead = median(mcpStartMs.map((ms, i) => ms - trpcStartMs[i]!));
    const finishOverhead = median(finishDiffs);
    return {
      "mcp.run_task_overhead_ms": round(startOverhead + finishOverhead),
      "mcp.start_overhead_ms": round(startOverhead),
      "mcp.finish_overhead_ms": round(finishOverhead),
      "mcp.run_task_p50_ms": round(median(mcpStartMs)),
      "mcp.trpc_create_p50_ms": round(median(trpcStartMs)),
      "mcp.runs": finishDiffs.length,
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
