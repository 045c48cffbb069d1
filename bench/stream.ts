/**
 * Token delivery to 50 concurrent SSE subscribers of one run at about 2,000 tokens per second, through the
 * real path: a writer feeds tokens to the orchestrator's RunEventLog (50 ms batches) over appendRunEvent
 * (Postgres), the real tRPC router serves `run.events` over HTTP (SSE), authenticated with a personal API
 * token, and 50 raw SSE readers (one socket each) receive it.
 *   stream.p99_ms: receive time minus the moment the writer called appendRunEvent (stamped in the payload);
 *   stream.lost / stream.duplicated: appended events a subscriber never received / received twice.
 * Tokens are checked too (each carries its index): token latency counts from when the token was produced,
 * so it includes the 50 ms batching. Clients run in the same process as the server, which adds their parsing
 * to the server's event loop: the figure is conservative.
 *
 * Postgres: TEST_DATABASE_URL's server if set (a throwaway database), else an embedded PGlite (one
 * connection, see below; stream.embedded_postgres says which).
 * Run alone: npx tsx bench/stream.ts [--quick]
 */
import fs from "node:fs/promises";
import type http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { PrismaPg } from "@prisma/adapter-pg";
import { createHTTPServer } from "@trpc/server/adapters/standalone";
import superjson from "superjson";
import { startBenchDatabase } from "@/bench/lib/bench-database";
import { epochNow, subscribeSse, subscriptionUrl } from "@/bench/lib/sse-subscriber";
import { runStandalone } from "@/bench/lib/standalone";
import { median, percentile, round, sleep } from "@/bench/lib/stats";
import { PrismaClient } from "@/generated/prisma/client";
import { appRouter } from "@/server/api/root";
import { createContext } from "@/server/api/trpc";
import { createApiToken } from "@/server/auth/api-tokens";
import { db, type Db } from "@/server/db/client";
import { poolConfigFromUrl } from "@/server/db/pg-config";
import { resetEnvForTests } from "@/server/env";
import { RunEventLog } from "@/server/orchestrator/run-event-log";
import { appendRunEvent } from "@/server/runs/run-events";
import { runBus } from "@/server/runs/run-bus";

const SUBSCRIBERS = 50;
const TOKENS_PER_SECOND = 2000;

interface RoundResult {
  eventLatency: number[];
  tokenLatency: number[];
  lostEvents: number;
  duplicatedEvents: number;
  lostTokens: number;
  duplicatedTokens: number;
  events: number;
  tokensPerSecond: number;
}

interface StreamEvent {
  seq: number;
  type: string;
  payload: { text?: string };
}

function headersOf(req: http.IncomingMessage): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (typeof value === "string") headers.set(name, value);
    else if (Array.isArray(value)) for (const item of value) headers.append(name, item);
  }
  return headers;
}

async function streamRound(options: { database: Db; base: string; token: string; projectId: string; taskId: string; seconds: number }): Promise<RoundResult> {
  const { database } = options;
  const run = await database.run.create({ data: { taskId: options.taskId, projectId: options.projectId } });
  const appended: number[] = [];
  // The stamp is taken when appendRunEvent is called (kept here by seq, since the event contract has no bench
  // field), so latency covers the transaction, the ping and the SSE hop.
  const appendedAt = new Map<number, number>();
  const log = new RunEventLog(run.id, {
    async append(event) {
      // This log is the run's only writer and appends one at a time, so the next seq is known in advance.
      appendedAt.set((appended.at(-1) ?? 0) + 1, epochNow());
      const stored = await appendRunEvent(database, event);
      appended.push(stored.seq);
      return { seq: stored.seq };
    },
  });

  const totalTokens = Math.round(TOKENS_PER_SECOND * options.seconds);
  const tokenAt = new Float64Array(totalTokens);
  const received = Array.from({ length: SUBSCRIBERS }, () => ({ seqs: new Map<number, number>(), tokens: new Uint16Array(totalTokens), warm: false }));
  const eventLatency: number[] = [];
  const tokenLatency: number[] = [];
  let measuring = false;
  const connected = new Set<number>();

  const subscriptions = received.map((mine, index) =>
    subscribeSse({
      url: subscriptionUrl(options.base, "run.events", { runId: run.id }),
      headers: { authorization: `Bearer ${options.token}` },
      onMessage: (message) => {
        if (message.event === "connected") connected.add(index);
        if (message.event === "serialized-error") throw new Error(`subscriber ${index}: ${message.data}`);
        if (message.event !== "message" || !message.data) return;
        const event = superjson.parse<StreamEvent>(message.data);
        mine.seqs.set(event.seq, (mine.seqs.get(event.seq) ?? 0) + 1);
        if (event.type === "plan.started") mine.warm = true;
        if (event.type !== "llm.tokens") return;
        const stamp = appendedAt.get(event.seq);
        if (measuring && stamp !== undefined) eventLatency.push(message.receivedAt - stamp);
        for (const piece of (event.payload.text ?? "").split(";")) {
          if (!piece) continue;
          const i = Number(piece.slice(1));
          mine.tokens[i]! += 1;
          if (mine.tokens[i] === 1) tokenLatency.push(message.receivedAt - tokenAt[i]!);
        }
      },
    }),
  );
  const allEnded = Promise.all(subscriptions.map((s) => s.ended));
  const failed = allEnded.then(
    () => new Promise<never>(() => {}),
    (error: unknown) => Promise.reject(error),
  );

  // Every subscriber connected and tailing live before the timed stream starts (backfill is not what we time).
  const ready = (async () => {
    const deadline = Date.now() + 30_000;
    while (connected.size < SUBSCRIBERS) {
      if (Date.now() > deadline) throw new Error(`only ${connected.size}/${SUBSCRIBERS} subscribers connected within 30 s`);
      await sleep(10);
    }
    await log.emit("plan.started", { given: true });
    while (!received.every((r) => r.warm)) {
      if (Date.now() > deadline) throw new Error("the warm-up event did not reach every subscriber within 30 s");
      await sleep(10);
    }
  })();
  await Promise.race([ready, failed]);

  measuring = true;
  const started = epochNow();
  let produced = 0;
  while (produced < totalTokens) {
    const due = Math.min(totalTokens, Math.floor(((epochNow() - started) / 1000) * TOKENS_PER_SECOND));
    for (; produced < due; produced++) {
      tokenAt[produced] = started + (produced / TOKENS_PER_SECOND) * 1000;
      log.token("s1", "coder", `t${produced};`);
    }
    await sleep(1);
  }
  const tokensPerSecond = totalTokens / ((epochNow() - started) / 1000);
  await log.emit("run.finished", { status: "succeeded", reason: null });
  await log.drain();

  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), 60_000)));
  const outcome = await Promise.race([allEnded, failed, timeout]);
  clearTimeout(timer);
  if (outcome === "timeout") {
    for (const subscription of subscriptions) subscription.close();
    console.warn("[bench stream] some subscribers had not received run.finished after 60 s; the missing events count as lost");
  }

  let lostEvents = 0;
  let duplicatedEvents = 0;
  let lostTokens = 0;
  let duplicatedTokens = 0;
  for (const mine of received) {
    for (const seq of appended) if (!mine.seqs.has(seq)) lostEvents++;
    for (const count of mine.seqs.values()) duplicatedEvents += Math.max(0, count - 1);
    for (const count of mine.tokens) {
      if (count === 0) lostTokens++;
      duplicatedTokens += Math.max(0, count - 1);
    }
  }
  return { eventLatency, tokenLatency, lostEvents, duplicatedEvents, lostTokens, duplicatedTokens, events: appended.length, tokensPerSecond };
}

export async function benchStream({ quick = false }: { quick?: boolean } = {}): Promise<Record<string, number>> {
  const rounds = quick ? 1 : 3;
  const seconds = quick ? 3 : 10;
  const bench = await startBenchDatabase();
  const previousUrl = process.env.DATABASE_URL;
  process.env.DATABASE_URL = bench.url;
  resetEnvForTests();
  // db() and the tRPC context share one cached client; make sure it is created for the throwaway database.
  const cache = globalThis as unknown as { autocodeDb?: Db };
  // PGlite is one session behind a multi-connection socket: concurrent queries from a pool interleave and
  // break (electric-sql/pglite#1046), so on the embedded database the bench uses one connection.
  cache.autocodeDb = bench.kind === "embedded" ? new PrismaClient({ adapter: new PrismaPg(poolConfigFromUrl(bench.url, { max: 1 })) }) : undefined;
  const database = db();
  const repoPath = await fs.mkdtemp(path.join(os.tmpdir(), "bench-stream-"));
  let server: http.Server | undefined;
  try {
    const user = await database.user.create({ data: { email: `bench-${Date.now()}@example.test`, name: "bench" } });
    const project = await database.project.create({ data: { ownerId: user.id, name: "stream bench", repoPath } });
    const task = await database.task.create({ data: { projectId: project.id, authorId: user.id, prompt: "stream tokens" } });
    const { token } = await createApiToken({ db: database, userId: user.id, name: "bench" });

    server = createHTTPServer({
      router: appRouter,
      basePath: "/api/trpc/",
      createContext: ({ req }) => createContext({ headers: headersOf(req), sessionUserId: async () => null }),
      onError: ({ error, path }) => console.error(`[bench stream] ${path ?? "?"} failed on the server:`, error.cause ?? error),
    });
    await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/trpc`;

    const results: RoundResult[] = [];
    for (let round = 0; round < rounds; round++) {
      results.push(await streamRound({ database, base, token, projectId: project.id, taskId: task.id, seconds }));
    }
    const sum = (pick: (r: RoundResult) => number) => results.reduce((total, r) => total + pick(r), 0);
    return {
      "stream.runs": rounds,
      "stream.subscribers": SUBSCRIBERS,
      "stream.p99_ms": round(median(results.map((r) => percentile(r.eventLatency, 99)))),
      "stream.p50_ms": round(median(results.map((r) => median(r.eventLatency)))),
      "stream.lost": sum((r) => r.lostEvents),
      "stream.duplicated": sum((r) => r.duplicatedEvents),
      "stream.token_p99_ms": round(median(results.map((r) => percentile(r.tokenLatency, 99)))),
      "stream.tokens_lost": sum((r) => r.lostTokens),
      "stream.tokens_duplicated": sum((r) => r.duplicatedTokens),
      "stream.tokens_per_s": round(median(results.map((r) => r.tokensPerSecond))),
      "stream.events_per_run": round(median(results.map((r) => r.events)), 0),
      "stream.embedded_postgres": bench.kind === "embedded" ? 1 : 0,
    };
  } finally {
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server!.close(() => resolve()));
    }
    await runBus().close();
    await database.$disconnect();
    cache.autocodeDb = undefined;
    if (previousUrl === undefined) delete process.env.DATABASE_URL;
    else process.env.DATABASE_URL = previousUrl;
    resetEnvForTests();
    await bench.stop();
    await fs.rm(repoPath, { recursive: true, force: true });
  }
}

export default benchStream;

runStandalone(import.meta.url, benchStream);
