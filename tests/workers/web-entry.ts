/**
 * A web-like process for tests/workers: it holds no runner, only the database, the run bus (LISTEN) and the
 * services a web process calls. Commands arrive as JSON lines on stdin; answers leave as JSON lines on stdout:
 *   {"stream": runId}                -> {"event": {runId, seq, type}} per event, then {"streamed": runId}
 *   {"cancel": runId, "userId": id}  -> {"cancelled": runId, "status": ...}
 */
import readline from "node:readline";
import { db } from "@/server/db/client";
import { runBus } from "@/server/runs/run-bus";
import { cancelRun } from "@/server/runs/cancel-run";
import { streamRunEvents } from "@/server/runs/stream-run-events";

const say = (value: unknown) => console.log(JSON.stringify(value));

async function stream(runId: string): Promise<void> {
  for await (const event of streamRunEvents({ db: db(), runId, afterSeq: 0 })) say({ event: { runId, seq: event.seq, type: event.type } });
  say({ streamed: runId });
}

const lines = readline.createInterface({ input: process.stdin });
lines.on("line", (line) => {
  const command = JSON.parse(line) as { stream?: string; cancel?: string; userId?: string };
  if (command.stream) void stream(command.stream).catch((error: unknown) => say({ error: String(error) }));
  if (command.cancel) {
    void cancelRun({ db: db(), userId: command.userId!, runId: command.cancel })
      .then((result) => say({ cancelled: command.cancel, status: result.status }))
      .catch((error: unknown) => say({ error: String(error) }));
  }
});
lines.on("close", () => void runBus().close().then(() => db().$disconnect()).then(() => process.exit(0)));
await db().$queryRaw`SELECT 1`;
say({ ready: true, pid: process.pid });
