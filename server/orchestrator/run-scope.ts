import type { AgentContext } from "@/server/agents/agent-context";
import type { FileEdit } from "@/server/agents/file-edit";
import type { FileText } from "@/server/agents/planner";
import { usageOf } from "@/server/llm/create-llm-client";
import type { CompleteRequest, LlmClient } from "@/server/llm/types";
import { BudgetExceededError, MeteredLlm } from "@/server/orchestrator/metered-llm";
import type { ExecutionResult, FileChangeSummary, OrchestratorPorts, SandboxSession } from "@/server/orchestrator/ports";
import type { OutputChunk } from "@/server/sandbox/watch-suite-output";
import { RunEventLog, type EmittedEvent } from "@/server/orchestrator/run-event-log";
import { seedSandbox } from "@/server/orchestrator/seed-sandbox";
import { DEFAULT_PROFILE, describeProfile, refuseTestEdit, suiteFor, testPathFor, type RepoProfile } from "@/server/orchestrator/test-layout";
import type { RunEnvironment } from "@/server/orchestrator/verify-suite";
import { commandText, judgeExecution, testFileOf } from "@/server/orchestrator/verify-execution";
import { trackAfterRun } from "@/server/runs/after-run-work";
import { AcceptanceSet } from "./acceptance-set";
import type { CommandRecord, RunSettings, TestRecord } from "./run-types";

export const tail = (text: string, max = 4_000) => (text.length > max ? text.slice(-max) : text);

type StopReason = { kind: "cancelled" } | { kind: "budget"; error: BudgetExceededError };

/**
 * One run's shared state and effects: its event log, the stop signal (user cancel or budget), the metered
 * model, the lazily opened sandbox session, and what was executed and changed (for the verification).
 * The steps and the wiring in runTask share it; nothing else is mutable across steps.
 */
export class RunScope {
  readonly log: RunEventLog;
  readonly controller = new AbortController();
  readonly metered: MeteredLlm;
  stop: StopReason | undefined;
  readonly commands: CommandRecord[] = [];
  readonly modelTestFiles = new Set<string>();
  readonly testsChangedByDebugger = new Set<string>();
  readonly changedFiles = new Map<string, FileChangeSummary>();
  readonly lastTests = new Map<string, TestRecord>();
  /** The repository's language and test layout (Python and pytest when the project has no environment). */
  readonly profile: RepoProfile;
  /** The profile as lines for the agents' prompts. */
  readonly repository: string;
  /** Each code file's test file, chosen once per run so two steps never pick the same name. */
  readonly testPaths = new Map<string, string>();
  /** The frozen model tests and the base commit's harness the independent re-verification uses. */
  readonly acceptance: AcceptanceSet;
  /** The image the run's sandbox starts from: the environment's, until a dependency step rebuilds it. */
  image: string | undefined;
  /** Edits applied so far, and what the latest test run covered: a final run on the same files may be skipped. */
  private editsApplied = 0;
  private latestRun: { stepId: string | null; testPaths: string[]; edits: number; image: string | undefined; passed: boolean } | undefined;
  private killing: Promise<unknown> = Promise.resolve();
  /** The run's sandbox, and the pieces of work in flight in it (parallel steps). */
  private current: { session: Promise<SandboxSession>; uses: Set<Promise<unknown>> } | undefined;
  private readonly onUserAbort = () => {
    this.stop ??= { kind: "cancelled" };
    this.controller.abort(this.userSignal?.reason);
    // Containers die now, not when the current step notices the abort.
    this.killing = this.ports.sandbox.killRun(this.runId).catch(() => undefined);
  };

  constructor(
    readonly runId: string,
    readonly ports: OrchestratorPorts,
    readonly settings: RunSettings,
    private readonly userSignal: AbortSignal | undefined,
    onEvent?: (event: EmittedEvent) => void,
    readonly environment?: RunEnvironment,
  ) {
    this.profile = environment?.profile ?? DEFAULT_PROFILE;
    this.image = environment?.image;
    this.repository = describeProfile(this.profile, this.profile.testFiles);
    this.log = new RunEventLog(runId, ports.events, onEvent);
    this.acceptance = new AcceptanceSet(ports.workspace);
    if (userSignal?.aborted) this.onUserAbort();
    userSignal?.addEventListener("abort", this.onUserAbort, { once: true });
    this.metered = new MeteredLlm(ports.llm, { tokens: settings.tokenBudget, costUsd: settings.costBudgetUsd }, (error) => {
      if (this.stop) return;
      this.stop = { kind: "budget", error };
      void this.log.emit("budget.exceeded", { kind: error.kind, limit: error.limit, used: error.used, message: error.message });
      this.controller.abort(error);
    });
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  testPathOf(file: string): string {
    let chosen = this.testPaths.get(file);
    if (chosen === undefined) this.testPaths.set(file, (chosen = testPathFor(file, this.profile, new Set(this.testPaths.values()))));
    return chosen;
  }

  throwIfStopped = (): void => {
    if (this.signal.aborted) throw this.stop?.kind === "budget" ? this.stop.error : new DOMException("The run was cancelled", "AbortError");
  };

  /** The model as one step (or the run, for null) sees it: metered, every call and stream recorded. */
  agentContext(stepId: string | null): AgentContext {
    const llm: LlmClient = {
      complete: async (request: CompleteRequest) => {
        try {
          const result = await this.metered.complete(request);
          void this.log.emit("llm.call", { stepId, ...result.usage });
          return result;
        } catch (error) {
          // Usage is exact: the call that crossed the budget, and one that failed after consuming tokens, are recorded too.
          const spent = error instanceof BudgetExceededError ? error.callUsage : usageOf(error);
          if (spent) void this.log.emit("llm.call", { stepId, ...spent });
          throw error;
        }
      },
    };
    return {
      llm,
      runId: this.runId,
      signal: this.signal,
      onToken: (role, token) => this.log.token(stepId, role, token),
      onDiscard: (role, notice) => void this.log.emit("llm.discarded", { stepId, role, ...notice }),
      onRepair: (role, error) => void this.log.emit("agent.repair", { stepId, role, error }),
    };
  }

  /** The run's sandbox session, opened on first use with the repository's files in it (so imports and existing tests work). */
  session(): Promise<SandboxSession> {
    this.current ??= {
      session: (async () => {
        const opened = await this.ports.sandbox.openSession(this.runId, { image: this.image });
        await seedSandbox({ session: opened, workspace: this.ports.workspace, log: this.log, nodeModules: this.profile.language === "node", image: this.image });
        return opened;
      })(),
      uses: new Set(),
    };
    return this.current.session;
  }

  /** One piece of work in the run's sandbox: a dependency step's image switch closes that sandbox only after it. */
  async withSession<T>(use: (session: SandboxSession) => Promise<T>): Promise<T> {
    const session = this.session();
    const uses = this.current!.uses;
    const work = session.then(use);
    uses.add(work);
    try {
      return await work;
    } finally {
      uses.delete(work);
    }
  }

  /** Continues on a rebuilt environment image: the current sandbox goes; the next use opens one from `image`, re-seeded. */
  async switchImage(image: string): Promise<void> {
    const previous = this.current;
    this.current = undefined;
    this.image = image;
    if (!previous) return;
    // Parallel steps may have a command running in it: closing now would kill their test run mid-way.
    await Promise.allSettled([...previous.uses]);
    await previous.session.then((s) => s.close()).catch(() => undefined);
  }

  async readFiles(paths: string[]): Promise<FileText[]> {
    const files: FileText[] = [];
    for (const path of new Set(paths)) {
      const content = await this.ports.workspace.readFile(path);
      if (content !== null) files.push({ path, content });
    }
    return files;
  }

  /** Applies and records an edit; returns the error (written for the model) when it was rejected. */
  applyEdit(stepId: string, edit: FileEdit, by: string, note?: { independent: boolean }): Promise<string | undefined> {
    return this.applyEdits(stepId, [edit], by, note);
  }

  /** Several edits as one batch (a debugger's answer): if one cannot be applied, none is written, and the model is told so. */
  async applyEdits(stepId: string, edits: FileEdit[], by: string, note?: { independent: boolean }): Promise<string | undefined> {
    const before = new Map<string, string | null>();
    for (const edit of edits) {
      before.set(edit.path, await this.ports.workspace.readFile(edit.path));
      // The repository's tests are the yardstick: a model may add tests, never overwrite or shadow existing ones.
      const refusal = refuseTestEdit(edit, this.profile, before.get(edit.path) !== null);
      if (refusal) {
        await this.log.emit("edit.rejected", { stepId, by, path: edit.path, kind: edit.kind, error: refusal });
        return edits.length > 1 ? `${refusal} None of the ${edits.length} files of this answer was written.` : refusal;
      }
    }
    const workspace = this.ports.workspace;
    const result = workspace.applyEdits ? await workspace.applyEdits(edits) : edits.length === 1 ? await workspace.applyEdit(edits[0]!) : { ok: false as const, error: "this workspace cannot apply several edits at once" };
    if (!result.ok) {
      for (const edit of edits) await this.log.emit("edit.rejected", { stepId, by, path: edit.path, kind: edit.kind, error: result.error });
      return edits.length > 1 ? `${result.error} None of the ${edits.length} files of this answer was written.` : result.error;
    }
    for (const change of result.changes) this.changedFiles.set(change.path, change);
    this.editsApplied++;
    for (const edit of edits) {
      // Marked when it happens, so a reviewer sees a harness change before the run ends.
      const harness = await this.acceptance.classify(edit.path, before.get(edit.path) ?? null, await workspace.readFile(edit.path));
      const body = edit.kind === "patch" ? { diff: edit.diff } : { content: edit.content };
      const changes = result.changes.filter((c) => c.path === edit.path);
      await this.log.emit("edit.applied", { stepId, by, path: edit.path, kind: edit.kind, changes, ...body, ...(harness ? { harness } : {}), ...(note ? note : {}) });
    }
    return undefined;
  }

  /** Runs the tests in the session (these paths, or all) with the repository's runner, and records the command and each test. */
  async runTests(stepId: string | null, testPaths?: string[]) {
    this.throwIfStopped();
    const run = { signal: this.signal, timeoutMs: this.settings.sandboxTimeoutMs };
    const command = this.profile.testCommand;
    const suite = command ? suiteFor(command, testPaths ?? []) : null;
    const result = await this.withSession((opened) =>
      suite ? opened.runSuite(suite, { ...run, onOutput: this.liveOutput(stepId, suite.shell) }) : opened.runPytest({ testPaths, ...run, onOutput: this.liveOutput(stepId, commandText(["python3", "-m", "pytest", ...(testPaths ?? [])])) }),
    );
    this.throwIfStopped();
    const judgement = await this.recordRun(stepId, result);
    this.latestRun = { stepId, testPaths: testPaths ?? [], edits: this.editsApplied, image: this.image, passed: judgement.passed };
    return { result, judgement };
  }

  /**
   * The step whose passing run already ran every test file of the workspace on the files as they are now (no
   * edit since), so a full pytest run would repeat it exactly; null when anything could differ. Only plain pytest
   * with no configuration that could collect other files (pytest's default file patterns, no conftest or ini).
   */
  async finalRunCoveredBy(): Promise<string | null> {
    const last = this.latestRun;
    if (!last?.passed || last.stepId === null || last.edits !== this.editsApplied || last.image !== this.image || this.profile.testCommand || last.testPaths.length === 0) return null;
    const files = await this.ports.workspace.listFiles();
    const base = (file: string) => file.slice(file.lastIndexOf("/") + 1);
    if (files.some((file) => /^(conftest\.py|pytest\.ini|tox\.ini|setup\.cfg|pyproject\.toml)$/.test(base(file)))) return null;
    const testFiles = files.filter((file) => /^test_.*\.py$|_test\.py$/.test(base(file)));
    const ran = new Set(last.testPaths);
    if (testFiles.length !== ran.size || !testFiles.every((file) => ran.has(file))) return null;
    // The final run lists exactly the tests of those files: rows of earlier runs of files since removed go.
    for (const [key, test] of this.lastTests) if (test.file === undefined || !ran.has(test.file)) this.lastTests.delete(key);
    return last.stepId;
  }

  /** Stores a running command's output chunks in order (the log appends one at a time; sandbox.command follows them). */
  liveOutput(stepId: string | null, command: string) {
    return (chunk: OutputChunk) => void this.log.emit("sandbox.output", { stepId, command, ...chunk }).catch(() => undefined);
  }

  async recordRun(stepId: string | null, result: ExecutionResult) {
    const judgement = judgeExecution(result);
    const record: CommandRecord = {
      stepId,
      command: commandText(result.command),
      exitCode: result.exitCode,
      timedOut: result.timedOut,
      oomKilled: result.oomKilled,
      durationMs: result.durationMs,
      passed: judgement.passed,
      reason: judgement.reason,
    };
    this.commands.push(record);
    // The final run lists every test there is: tests deleted or renamed since a step run leave the list.
    if (stepId === null) this.lastTests.clear();
    await this.log.emit("sandbox.command", { ...record, stdout: tail(result.stdout), stderr: tail(result.stderr), summary: result.summary });
    for (const test of result.tests) {
      const file = testFileOf(test);
      const origin = file !== undefined && this.modelTestFiles.has(file) ? "model" : "repository";
      const entry: TestRecord = { name: test.name, classname: test.classname, file, status: test.status, origin };
      this.lastTests.set(`${test.classname}::${test.name}`, entry);
      await this.log.emit("test.result", { stepId, ...entry, message: test.message, durationMs: test.durationMs });
    }
    return judgement;
  }

  /**
   * Waits for a cancel's container kill; the session's container is removed after the worker slot is freed
   * (after-run-work.ts: a stopping worker waits for it), as nothing of the run uses it once this is called.
   */
  async close(): Promise<void> {
    this.userSignal?.removeEventListener("abort", this.onUserAbort);
    await this.killing;
    const current = this.current;
    if (current) trackAfterRun(this.runId, () => current.session.then((s) => s.close()));
  }
}
