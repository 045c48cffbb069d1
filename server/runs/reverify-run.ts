import { requireRun } from "@/server/access/run-access";
import type { Db } from "@/server/db/client";
import { env } from "@/server/env";
import { reportFormatOf } from "@/server/environments/detect-environment";
import { AppError, errorText } from "@/server/errors";
import { git, gitText } from "@/server/git/run-git";
import { snapshotCommit } from "@/server/orchestrator/adapters/commit-snapshot";
import type { BaselineRun, SuiteTest } from "@/server/orchestrator/compare-baseline";
import type { SandboxPort } from "@/server/orchestrator/ports";
import { reverifyBranch } from "@/server/orchestrator/reverify-branch";
import { RunEventLog } from "@/server/orchestrator/run-event-log";
import { DEFAULT_PROFILE, type RepoProfile } from "@/server/orchestrator/test-layout";
import { getSandbox } from "@/server/sandbox";
import type { PayloadOf, RunEvent, RunEventType, TIndependentRun } from "./events/contract";
import { readRunEvent } from "./events/read-run-event";
import { PgEventSink } from "./run-events";

const READ_TYPES = ["environment.ready", "acceptance.frozen", "edit.applied", "run.finished"];
/** One re-verification per run at a time in this process (a second click answers clearly instead of queueing). */
const inFlight = new Set<string>();

async function readEvents(db: Db, runId: string): Promise<RunEvent[]> {
  const rows = await db.runEvent.findMany({ where: { runId, type: { in: READ_TYPES } }, orderBy: { seq: "asc" } });
  return rows.map((row) => readRunEvent({ seq: row.seq, type: row.type, payload: row.payload as Record<string, unknown>, createdAt: row.createdAt, version: row.version }));
}

const payloads = <T extends RunEventType>(events: RunEvent[], type: T): PayloadOf<T>[] => events.flatMap((e) => (e.type === type ? [e.payload as PayloadOf<T>] : []));

/**
 * What the run was judged by, from its log: the frozen tests (acceptance.frozen; runs from before that event: the
 * first full content the model wrote), the harness files it touched, the environment it ran in.
 */
export function acceptanceFromLog(events: RunEvent[]) {
  const frozenTests = new Map<string, string>();
  for (const frozen of payloads(events, "acceptance.frozen")) if (!frozenTests.has(frozen.path)) frozenTests.set(frozen.path, frozen.content);
  const finished = payloads(events, "run.finished").at(-1);
  const edits = payloads(events, "edit.applied");
  for (const path of finished?.verification?.independent?.frozenTests ?? []) {
    const written = edits.find((e) => e.path === path && e.content !== undefined);
    if (!frozenTests.has(path) && written?.content !== undefined) frozenTests.set(path, written.content);
  }
  const harness = [...new Set(edits.filter((e) => e.harness).map((e) => e.path))];
  const ready = payloads(events, "environment.ready").at(-1);
  return { frozenTests, harness, ready, finished };
}

function profileOf(ready: PayloadOf<"environment.ready"> | undefined): RepoProfile {
  if (!ready || (ready.language !== "python" && ready.language !== "node")) return DEFAULT_PROFILE;
  const framework = (["pytest", "vitest", "jest", "node:test"] as const).find((f) => f === ready.framework) ?? "none";
  const testCommand = ready.testCommand ? { shell: ready.testCommand, format: reportFormatOf(ready.testCommand) } : null;
  return { language: ready.language, framework, testCommand, testFiles: [], testDirs: [] };
}

/**
 * "Re-verify": the independent re-verification of a finished run's branch head, again, in a fresh container (git
 * archive of the head, frozen tests written back, the base commit's harness), appended to the run's log as
 * verification.reverified. Earlier records stay. Needs write access (it starts a sandbox).
 */
export async function reverifyRun(options: { db: Db; userId: string; runId: string; sandbox?: SandboxPort }): Promise<TIndependentRun> {
  const run = await requireRun({ ...options, need: "write" });
  if (run.status === "QUEUED" || run.status === "RUNNING") throw new AppError("CONFLICT", "Wait for the run to finish before re-verifying it.");
  if (!run.branch || !run.baseCommit) throw new AppError("CONFLICT", "This run has no branch: it never started, so there is nothing to re-verify.");
  if (inFlight.has(run.id)) throw new AppError("CONFLICT", "A re-verification of this run is already running; its record appears when it ends.");
  const repoPath = run.project.repoPath;
  const found = await git(["rev-parse", "--verify", "--quiet", `refs/heads/${run.branch}^{commit}`], { cwd: repoPath, okCodes: [1] });
  if (found.code !== 0) throw new AppError("CONFLICT", `The run's branch ${run.branch} no longer exists, so there is nothing to re-verify.`);
  const head = found.stdout.trim();
  inFlight.add(run.id);
  const log = new RunEventLog(run.id, new PgEventSink(options.db));
  try {
    await log.emit("verification.reverify_started", { by: options.userId });
    await log.drain(); // stored before a sandbox is started for it: a re-verification the log cannot show does not run
    const record = await reverifyHead({ db: options.db, run: { id: run.id, projectId: run.projectId, baseCommit: run.baseCommit }, repoPath, head, log, by: options.userId, sandbox: options.sandbox ?? getSandbox() });
    await log.emit("verification.reverified", record);
    await log.drain();
    return record;
  } finally {
    inFlight.delete(run.id);
  }
}

async function reverifyHead(input: { db: Db; run: { id: string; projectId: string; baseCommit: string }; repoPath: string; head: string; log: RunEventLog; by: string; sandbox: SandboxPort }): Promise<TIndependentRun> {
  const started = performance.now();
  const { frozenTests, harness, ready } = acceptanceFromLog(await readEvents(input.db, input.run.id));
  const profile = profileOf(ready);
  try {
    const harnessBase = new Map<string, string | null>();
    for (const path of harness) {
      const base = await git(["show", `${input.run.baseCommit}:${path}`], { cwd: input.repoPath, okCodes: [128] });
      harnessBase.set(path, base.code === 0 ? base.stdout : null);
    }
    const snapshot = await snapshotCommit({ repoPath: input.repoPath, commit: input.head });
    try {
      // SANDBOX_IMAGE itself comes from the warm pool; an environment image starts its own container.
      const image = ready?.image && ready.image !== env().SANDBOX_IMAGE ? ready.image : undefined;
      const { record } = await reverifyBranch({
        runId: input.run.id,
        sandbox: input.sandbox,
        workspace: snapshot.workspace,
        log: input.log,
        profile,
        image,
        frozenTests,
        harnessBase,
        baseline: profile.testCommand ? storedBaseline(input.db, input.run.projectId, input.run.baseCommit) : undefined,
        by: input.by,
      });
      return record;
    } finally {
      await snapshot.dispose();
    }
  } catch (error) {
    // The attempt itself is part of the record: a reviewer sees that it could not run, and why.
    const reason = `the re-verification could not run: ${error instanceof AppError ? error.userMessage : errorText(error)}`;
    const tree = await gitText(["rev-parse", `${input.head}^{tree}`], { cwd: input.repoPath }).catch(() => null);
    return { at: new Date().toISOString(), by: input.by, commit: input.head, tree, image: null, containerId: null, commands: [], tests: [], restoredHarness: harness, frozenTests: [...frozenTests.keys()], passed: false, reason, durationMs: Math.round(performance.now() - started) };
  }
}

/** The base commit's suite as the run compared against it (cached per commit), so already-failing tests stay allowed. */
async function storedBaseline(db: Db, projectId: string, commit: string): Promise<BaselineRun | null> {
  const row = await db.suiteBaseline.findFirst({ where: { projectId, commit }, orderBy: { createdAt: "desc" } });
  return row && { commit, tests: row.tests as unknown as SuiteTest[], passed: row.passed, reason: row.reason ?? undefined, durationMs: row.durationMs, cached: true };
}
