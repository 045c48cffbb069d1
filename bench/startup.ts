/**
 * Start-up of the production server, warm: `npm start` (the compiled server, embedded Postgres, nothing to
 * migrate) in a fresh process each repetition, to the first /health answer and to /health 200 "ok".
 *   startup.health_ms: spawn to /health "ok", median over warm starts;
 *   startup.first_answer_ms: spawn to the first /health answer of any kind (503 "starting" at first), median;
 *   startup.health_tsx_ms: the baseline, alternated with it: the same server run through tsx (`npx tsx
 *     server.ts`, how `npm start` ran before it was compiled at build time), to "ok", median;
 *   startup.load1: the machine's median 1-minute load average while measuring.
 * The first start creates the database (and migrates it) and is not counted. Needs the production build
 * (`npm run build`), and builds it first when there is none (it measures the build that is there).
 * Run alone: npx tsx bench/startup.ts [--quick]
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { ensureProductionBuild, productionServerEnv, stopProcessGroup } from "@/bench/lib/production-build";
import { runStandalone } from "@/bench/lib/standalone";
import { median, round, sleep } from "@/bench/lib/stats";

const root = path.resolve(import.meta.dirname, "..");
const NPM_START = ["npm", "start", "--silent"];
const TSX_START = ["npx", "tsx", "server.ts"];

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** One start: spawn the command, poll /health, stop the whole process group once it says "ok". */
async function startOnce(command: string[], env: Record<string, string>, port: number): Promise<{ firstAnswer: number; ok: number }> {
  const started = performance.now();
  const child = spawn(command[0]!, command.slice(1), { cwd: root, env: { ...process.env, ...env }, stdio: ["ignore", "ignore", "pipe"], detached: true });
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let firstAnswer: number | undefined;
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`the server exited (${child.exitCode}) before /health said ok:\n${stderr}`);
      if (performance.now() - started > 180_000) throw new Error(`/health did not say ok within 180 s:\n${stderr}`);
      const response = await fetch(`http://127.0.0.1:${port}/health`).catch(() => undefined);
      if (response) {
        firstAnswer ??= performance.now() - started;
        const body = (await response.json().catch(() => ({}))) as { status?: string };
        if (response.status === 200 && body.status === "ok") return { firstAnswer, ok: performance.now() - started };
      }
      await sleep(20);
    }
  } finally {
    await stopProcessGroup(child.pid!, exited);
  }
}

export async function benchStartup({ quick = false }: { quick?: boolean } = {}): Promise<Record<string, number>> {
  const reps = quick ? 3 : 7;
  ensureProductionBuild();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-startup-"));
  const [port, pgPort, chromaPort] = [await freePort(), await freePort(), await freePort()];
  const env = productionServerEnv({ port, dataDir, pgPort, chromaPort });
  try {
    await startOnce(NPM_START, env, port); // creates and migrates the database: not a warm start
    const firstAnswers: number[] = [];
    const oks: number[] = [];
    const tsxOks: number[] = [];
    const loads: number[] = [];
    for (let rep = 0; rep < reps; rep++) {
      const { firstAnswer, ok } = await startOnce(NPM_START, env, port);
      firstAnswers.push(firstAnswer);
      oks.push(ok);
      // The baseline, alternated with it: the same server compiled on the fly by tsx, as `npm start` ran before.
      tsxOks.push((await startOnce(TSX_START, env, port)).ok);
      loads.push(os.loadavg()[0]!);
    }
    return {
      "startup.health_ms": round(median(oks)),
      "startup.first_answer_ms": round(median(firstAnswers)),
      "startup.health_tsx_ms": round(median(tsxOks)),
      "startup.runs": reps,
      "startup.load1": round(median(loads), 1),
    };
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

runStandalone(import.meta.url, benchStartup);
