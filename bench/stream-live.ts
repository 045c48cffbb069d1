/**
 * 200 live viewers of a real run: a worker process (the real `npm run worker` path, pg-boss, the Docker
 * sandbox) executes a one-step task against a fake model that streams its answers over time (20 ms between
 * chunks), while this process serves the real tRPC router over HTTP to 200 raw SSE readers, half
 * `run.events` with an API token, half `share.events` with a share link. Events cross processes as they do in
 * production: the worker stores them, this process hears NOTIFY and fans them out.
 *   stream.live_p99_ms: receive time minus the event's stored createdAt, events stored after every viewer
 *     was connected; stream.live_lost / stream.live_duplicated: per viewer, against the run's record;
 *   stream.viewer_slowdown: the run's duration (plan.created to run.finished; the planner's answer waits for every viewer to connect) with the 200 viewers over the
 *     same run with none, alternated, medians; stream.live_failed_runs: runs that did not succeed.
 *   stream.live_p99_trpc_ms / stream.viewer_slowdown_trpc: the same, alternated in the same bench, with the streams
 *     served by tRPC's own SSE producer instead of the encode-once path (the comparison under the same load);
 *   stream.live_load1: the machine's median 1-minute load average after each round (other work moves every figure).
 *
 * Needs a Postgres server (BENCH_DATABASE_URL or TEST_DATABASE_URL, superuser) and Docker.
 * Run alone: npx tsx bench/stream-live.ts [--quick]
 */
import http from "node:http";
import superjson from "superjson";
import { serveFetch } from "@/tests/helpers/serve-fetch";
import { epochNow, subscribeSse, subscriptionUrl } from "@/bench/lib/sse-subscriber";
import { runStandalone } from "@/bench/lib/standalone";
import { loadSampler, startWorkerRig } from "@/bench/lib/worker-rig";
import { median, percentile, round, sleep } from "@/bench/lib/stats";
import { handleTrpcRequest, handleWithTrpc } from "@/server/api/handle-trpc-request";
import { createApiToken } from "@/server/auth/api-tokens";
import { signUp } from "@/server/auth/credentials";
import type { Db } from "@/server/db/client";
import { createProject } from "@/server/projects/create-project";
import { startTask } from "@/server/runs/start-run";
import { createShareLink } from "@/server/share/share-links";
import { defaultAnswer, type FakeLlm } from "@/tests/fake-llm/fake-llm-server";

const VIEWERS = 200;

async function waitFinished(database: Db, runId: string): Promise<void> {
  const deadline = Date.now() + 180_000;
  while ((await database.run.findUniqueOrThrow({ where: { id: runId }, select: { status: true } })).status.match(/QUEUED|RUNNING/)) {
    if (Date.now() > deadline) throw new Error(`run ${runId} did not end within 180 s`);
    await sleep(25);
  }
}

/** One run, with `viewers` SSE readers connected before the worker takes it; its duration and what they saw. */
async function viewedRun(options: { llm: FakeLlm; database: Db; base: string; userId: string; projectId: string; apiToken: string; viewers: number; label: string }) {
  const { database } = options;
  // The planner's answer waits until every viewer is connected, so the run's timed part is all watched.
  let allConnected!: () => void;
  const gate = new Promise<void>((resolve) => (allConnected = resolve));
  if (options.viewers) options.llm.script("planner", async (request) => (await gate, defaultAnswer(request)));
  const { runId } = await startTask({ db: database, userId: options.userId, input: { projectId: options.projectId, prompt: `Write add(a, b) in calc.py, ${options.label}` } });
  const share = await createShareLink({ db: database, userId: options.userId, runId });
  const seen = Array.from({ length: options.viewers }, () => new Map<number, number>());
  const latency: number[] = [];
  const slowest = new Map<number, { type: string; ms: number }>();
  let connectedAt = Infinity;
  const connected = new Set<number>();
  const subscriptions = seen.map((mine, index) =>
    subscribeSse({
      url: index % 2 ? subscriptionUrl(options.base, "share.events", { token: share.token }) : subscriptionUrl(options.base, "run.events", { runId }),
      headers: index % 2 ? {} : { authorization: `Bearer ${options.apiToken}` },
      onMessage: (message) => {
        if (message.event === "connected") {
          connected.add(index);
          if (connected.size === options.viewers) {
            connectedAt = epochNow();
            allConnected();
          }
        }
        if (message.event !== "message" || !message.data) return;
        const event = superjson.parse<{ seq: number; type: string; createdAt: Date }>(message.data);
        mine.set(event.seq, (mine.get(event.seq) ?? 0) + 1);
        const stored = new Date(event.createdAt).getTime();
        if (stored > connectedAt) {
          latency.push(message.receivedAt - stored);
          const worst = slowest.get(event.seq);
          if (!worst || worst.ms < message.receivedAt - stored) slowest.set(event.seq, { type: event.type, ms: message.receivedAt - stored });
        }
      },
    }),
  );
  await waitFinished(database, runId);
  const ended = Promise.all(subscriptions.map((s) => s.ended.catch(() => undefined)));
  const timeout = sleep(30_000).then(() => subscriptions.forEach((s) => s.close()));
  await Promise.race([ended, timeout]);
  const run = await database.run.findUniqueOrThrow({ where: { id: runId }, select: { status: true, lastSeq: true } });
  const marks = await database.runEvent.findMany({ where: { runId, type: { in: ["plan.created", "run.finished"] } }, orderBy: { seq: "asc" }, select: { createdAt: true } });
  let lost = 0;
  let duplicated = 0;
  for (const mine of seen) {
    for (let seq = 1; seq <= run.lastSeq; seq++) if (!mine.has(seq)) lost++;
    for (const count of mine.values()) duplicated += Math.max(0, count - 1);
  }
  // Where the tail is (printed, not a figure): the events whose last viewer got them latest.
  if (options.viewers) {
    const worst = [...slowest].sort((a, b) => b[1].ms - a[1].ms).slice(0, 8);
    console.log(`  ${options.label}: slowest events (seq type: latest viewer's ms) ${worst.map(([seq, { type, ms }]) => `${seq} ${type}: ${Math.round(ms)}`).join(", ")}`);
  }
  return {
    durationMs: marks.at(-1)!.createdAt.getTime() - marks[0]!.createdAt.getTime(),
    failed: run.status === "SUCCEEDED" ? 0 : 1,
    latency,
    lost,
    duplicated,
  };
}

export async function benchStreamLive({ quick = false }: { quick?: boolean } = {}): Promise<Record<string, number>> {
  const reps = quick ? 2 : 4;
  const rig = await startWorkerRig({ name: "stream-live", llm: { chunkDelayMs: 20 } });
  const { database, llm } = rig;
  const loads = loadSampler();
  let server: http.Server | undefined;
  try {
    const user = await signUp({ db: database, input: { email: "bench-live@example.test", password: "correct-horse-42", name: "bench" } });
    const project = await createProject({ db: database, userId: user.id, input: { name: "bench-live" } });
    const { token: apiToken } = await createApiToken({ db: database, userId: user.id, name: "bench" });
    // The app's own /api/trpc handler (the route handler's), served the way Next.js serves it.
    let viaTrpc = false;
    const served = await serveFetch((req) => (viaTrpc ? handleWithTrpc : handleTrpcRequest)(req, async () => null));
    server = served.server;
    const base = `${served.url}/api/trpc`;
    const common = { llm, database, base, userId: user.id, projectId: project.id, apiToken };

    await viewedRun({ ...common, viewers: 0, label: "warm-up" });
    const alone: number[] = [];
    const watched: Awaited<ReturnType<typeof viewedRun>>[] = [];
    const watchedViaTrpc: Awaited<ReturnType<typeof viewedRun>>[] = [];
    let failed = 0;
    for (let rep = 0; rep < reps; rep++) {
      const quiet = await viewedRun({ ...common, viewers: 0, label: `alone ${rep}` });
      alone.push(quiet.durationMs);
      failed += quiet.failed;
      watched.push(await viewedRun({ ...common, viewers: VIEWERS, label: `watched ${rep}` }));
      // The same watched run with tRPC's own SSE producer (each viewer serialises each event), under the same load.
      viaTrpc = true;
      watchedViaTrpc.push(await viewedRun({ ...common, viewers: VIEWERS, label: `watched via tRPC ${rep}` }));
      viaTrpc = false;
      loads.sample();
    }
    const sum = (pick: (r: (typeof watched)[number]) => number) => watched.reduce((total, r) => total + pick(r), 0);
    return {
      "stream.live_viewers": VIEWERS,
      "stream.live_runs": reps,
      "stream.live_p99_ms": round(median(watched.map((r) => percentile(r.latency, 99)))),
      "stream.live_p50_ms": round(median(watched.map((r) => median(r.latency)))),
      "stream.live_lost": sum((r) => r.lost),
      "stream.live_duplicated": sum((r) => r.duplicated),
      "stream.live_failed_runs": failed + sum((r) => r.failed) + watchedViaTrpc.reduce((total, r) => total + r.failed, 0),
      "stream.viewer_slowdown": round(median(watched.map((r) => r.durationMs)) / median(alone), 2),
      "stream.unviewed_run_ms": round(median(alone)),
      "stream.live_p99_trpc_ms": round(median(watchedViaTrpc.map((r) => percentile(r.latency, 99)))),
      "stream.viewer_slowdown_trpc": round(median(watchedViaTrpc.map((r) => r.durationMs)) / median(alone), 2),
      "stream.live_load1": loads.median(),
    };
  } finally {
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server!.close(() => resolve()));
    }
    await rig.close();
  }
}

runStandalone(import.meta.url, benchStreamLive);
