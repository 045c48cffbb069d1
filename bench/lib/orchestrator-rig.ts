import type { SandboxPort, SandboxSession } from "@/server/orchestrator/ports";
import type { StoredRunEvent } from "@/server/orchestrator/adapters/in-memory-event-sink";
import type { RunOutcome } from "@/server/orchestrator/run-task";
import { DockerSandbox } from "@/server/sandbox/docker-sandbox";

/** Wall time spent inside the sandbox port during one run, split by kind of call. */
export interface SandboxTime {
  openMs: number;
  /** writeFiles, runPytest, exec, writeArchive and close together. */
  callsMs: number;
}

/**
 * The real sandbox behind a stopwatch: every call the orchestrator makes through the port is timed, so the
 * bench can take the sandbox's share out of a run's wall time. reset() starts a new run's account.
 */
export function stopwatchSandbox(sandbox: SandboxPort): { port: SandboxPort; reset(): SandboxTime; current: SandboxTime } {
  const account: SandboxTime = { openMs: 0, callsMs: 0 };
  const time = async <T>(call: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    try {
      return await call();
    } finally {
      account.callsMs += performance.now() - started;
    }
  };
  const wrap = (session: SandboxSession): SandboxSession => ({
    runId: session.runId,
    writeFiles: (files) => time(() => session.writeFiles(files)),
    writeTree: (tree) => time(() => session.writeTree(tree)),
    runPytest: (options) => time(() => session.runPytest(options)),
    exec: (argv, options) => time(() => session.exec(argv, options)),
    runSuite: (suite, options) => time(() => session.runSuite(suite, options)),
    writeArchive: (tar, dest) => time(() => session.writeArchive(tar, dest)),
    close: () => time(() => session.close()),
  });
  return {
    current: account,
    reset() {
      const snapshot = { ...account };
      account.openMs = 0;
      account.callsMs = 0;
      return snapshot;
    },
    port: {
      async openSession(runId) {
        const started = performance.now();
        const session = await sandbox.openSession(runId);
        account.openMs += performance.now() - started;
        return wrap(session);
      },
      killRun: (runId) => sandbox.killRun(runId),
    },
  };
}

/** A started sandbox with a warm pool, as the product runs it. */
export async function startBenchSandbox(poolSize = 1): Promise<DockerSandbox> {
  const sandbox = new DockerSandbox({ poolSize });
  await sandbox.start();
  await sandbox.pool.waitUntilFull();
  return sandbox;
}

/** A bench run that did not reach a verified PASS measured nothing worth reporting: stop loudly. */
export function assertVerified(outcome: RunOutcome, what: string): void {
  if (outcome.status !== "succeeded" || outcome.verification.outcome !== "verified") {
    throw new Error(`${what}: expected a verified PASS, got ${outcome.status} (${outcome.verification.outcome}): ${outcome.reason ?? "no reason"}`);
  }
}

/**
 * The time a run's test commands took inside the sandbox (the runner's own durationMs): the agents' (sandbox.command
 * events) and the independent re-verification's, which the verification records instead of an event.
 */
export function commandTimeMs(events: readonly StoredRunEvent[], outcome: RunOutcome): number {
  const agents = events.filter((event) => event.type === "sandbox.command").reduce((sum, event) => sum + Number(event.payload.durationMs ?? 0), 0);
  return agents + (outcome.verification.independent?.commands ?? []).reduce((sum, command) => sum + command.durationMs, 0);
}
