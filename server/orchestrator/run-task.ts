import type { AgentContext } from "@/server/agents/agent-context";
import { writeCode } from "@/server/agents/coder";
import { reviewRun, type Verdict } from "@/server/agents/critic";
import { debugFailure, type ExecutionForModel } from "@/server/agents/debugger";
import type { FileEdit } from "@/server/agents/file-edit";
import { validatePlan, type Plan, type PlanStep } from "@/server/agents/plan";
import { planTask, type FileText } from "@/server/agents/planner";
import { writeTests } from "@/server/agents/tester";
import { env } from "@/server/env";
import { AppError } from "@/server/errors";
import type { CompleteRequest, LlmClient } from "@/server/llm/types";
import { KeyedMutex, Semaphore } from "@/server/orchestrator/keyed-mutex";
import { BudgetExceededError, MeteredLlm, type RunUsage } from "@/server/orchestrator/metered-llm";
import type { ExecutionResult, FileChangeSummary, OrchestratorPorts, SandboxSession } from "@/server/orchestrator/ports";
import { RunEventLog, type EmittedEvent } from "@/server/orchestrator/run-event-log";
import { seedSandbox } from "@/server/orchestrator/seed-sandbox";
import { DEFAULT_PROFILE, describeProfile, isTestable, isTestPath, refuseTestEdit, suiteFor, testPathFor } from "@/server/orchestrator/test-layout";
import { runFinalSuite, summarizeComparison, type BaselineSummary, type RunEnvironment } from "@/server/orchestrator/verify-suite";
import { commandText, forModel, judgeExecution, testFileOf } from "@/server/orchestrator/verify-execution";

export interface RunSettings {
  maxDebugAttempts: number;
  maxParallelWorkers: number;
  parallel: boolean;
  tokenBudget: number;
  costBudgetUsd: number;
  enableToolUse: boolean;
  memoryTopK: number;
  snippetsTopK: number;
  /** Per sandbox run; undefined leaves the sandbox's own SANDBOX_TIMEOUT. */
  sandboxTimeoutMs?: number;
}

export function resolveRunSettings(overrides: Partial<RunSettings> = {}): RunSettings {
  const e = env();
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)) as Partial<RunSettings>;
  return {
    maxDebugAttempts: e.MAX_DEBUG_ATTEMPTS,
    maxParallelWorkers: e.MAX_PARALLEL_WORKERS,
    parallel: e.ENABLE_PARALLEL_EXECUTION,
    tokenBudget: e.RUN_TOKEN_BUDGET,
    costBudgetUsd: e.RUN_COST_BUDGET_USD,
    enableToolUse: e.ENABLE_TOOL_USE,
    memoryTopK: e.MEMORY_TOP_K,
    snippetsTopK: e.REPO_SNIPPETS_TOP_K,
    ...defined,
  };
}

export interface RunTaskInput {
  runId: string;
  projectId: string;
  task: string;
  contextFiles: FileText[];
  /** A fixed plan from the caller (stored on the task): validated like a planner's and run without the Planner. */
  plan?: unknown;
  settings?: Partial<RunSettings>;
  signal?: AbortSignal;
  ports: OrchestratorPorts;
  /** The project environment: image, language and test layout, baseline. Absent: Python, pytest, SANDBOX_IMAGE. */
  environment?: RunEnvironment;
  onEvent?: (event: EmittedEvent) => void;
}

export type StepStatus = "passed" | "failed" | "skipped" | "cancelled" | "applied";

export interface StepOutcome {
  id: string;
  status: StepStatus;
  reason?: string;
  /** Sandbox runs of this step. */
  runs: number;
}

export interface CommandRecord {
  stepId: string | null;
  command: string;
  exitCode: number | null;
  timedOut: boolean;
  oomKilled: boolean;
  durationMs: number;
  passed: boolean;
  reason?: string;
}

export interface TestRecord {
  name: string;
  classname: string;
  file?: string;
  status: "passed" | "failed" | "error" | "skipped";
  /** Written (or rewritten) by the model in this run, or already in the repository. */
  origin: "model" | "repository";
}

export interface Verification {
  /** verified: a final test run passed by exit code and JUnit report; asserted: nothing ran, only the critic says PASS. */
  outcome: "verified" | "asserted" | "failed" | "not_run";
  commands: CommandRecord[];
  modelTestFiles: string[];
  testsChangedByDebugger: string[];
  /** The tests of the last full run (or of the last step runs when no full run happened). */
  tests: TestRecord[];
  /** The final suite compared with the base commit's: regressions, already failing, new tests. */
  baseline?: BaselineSummary;
  summary: string;
}

export interface RunOutcome {
  status: "succeeded" | "failed" | "cancelled";
  reason?: string;
  verdict: Verdict | null;
  verification: Verification;
  usage: RunUsage;
  plan: Plan | null;
  steps: StepOutcome[];
}

type StopReason = { kind: "cancelled" } | { kind: "budget"; error: BudgetExceededError };


function errorText(error: unknown): string {
  if (error instanceof AppError) return error.userMessage;
  return error instanceof Error ? error.message : String(error);
}

const tail = (text: string, max = 4_000) => (text.length > max ? text.slice(-max) : text);

/**
 * Runs one task: plan (with memories and repository snippets), execute the plan as a dependency graph,
 * each code step coded, tested and really run in the sandbox (debugged on failure under a cap), a final
 * full test run, the critic, and memory on a verified pass. Every step of the way is an event.
 */
export async function runTask(input: RunTaskInput): Promise<RunOutcome> {
  const { runId, projectId, task, ports } = input;
  const settings = resolveRunSettings(input.settings);
  const profile = input.environment?.profile ?? DEFAULT_PROFILE;
  const repository = describeProfile(profile, profile.testFiles);
  const testPaths = new Map<string, string>();
  const testPathOf = (file: string) => {
    let chosen = testPaths.get(file);
    if (chosen === undefined) testPaths.set(file, (chosen = testPathFor(file, profile, new Set(testPaths.values()))));
    return chosen;
  };
  const log = new RunEventLog(runId, ports.events, input.onEvent);
  const controller = new AbortController();
  let stop: StopReason | undefined;
  let killing: Promise<unknown> = Promise.resolve();

  const onUserAbort = () => {
    stop ??= { kind: "cancelled" };
    controller.abort(input.signal?.reason);
    // Containers die now, not when the current step notices the abort.
    killing = ports.sandbox.killRun(runId).catch(() => undefined);
  };
  if (input.signal?.aborted) onUserAbort();
  input.signal?.addEventListener("abort", onUserAbort, { once: true });

  const metered = new MeteredLlm(ports.llm, { tokens: settings.tokenBudget, costUsd: settings.costBudgetUsd }, (error) => {
    if (stop) return;
    stop = { kind: "budget", error };
    void log.emit("budget.exceeded", { kind: error.kind, limit: error.limit, used: error.used, message: error.message });
    controller.abort(error);
  });

  const llmFor = (stepId: string | null): LlmClient => ({
    async complete(request: CompleteRequest) {
      const result = await metered.complete(request);
      void log.emit("llm.call", { stepId, ...result.usage });
      return result;
    },
  });
  const agentContext = (stepId: string | null): AgentContext => ({
    llm: llmFor(stepId),
    runId,
    signal: controller.signal,
    onToken: (role, token) => log.token(stepId, role, token),
    onDiscard: (role, notice) => void log.emit("llm.discarded", { stepId, role, ...notice }),
    onRepair: (role, error) => void log.emit("agent.repair", { stepId, role, error }),
  });
  const throwIfStopped = () => {
    if (controller.signal.aborted) throw stop?.kind === "budget" ? stop.error : new DOMException("The run was cancelled", "AbortError");
  };

  const commands: CommandRecord[] = [];
  const modelTestFiles = new Set<string>();
  const testsChangedByDebugger = new Set<string>();
  const changedFiles = new Map<string, FileChangeSummary>();
  const lastTests = new Map<string, TestRecord>();
  const fileLocks = new KeyedMutex();
  let sessionPromise: Promise<SandboxSession> | undefined;
  let plan: Plan | null = null;
  let steps: StepOutcome[] = [];
  let verdict: Verdict | null = null;
  let finalRun: { passed: boolean; reason?: string } | undefined;
  let baselineSummary: BaselineSummary | undefined;
  let failure: string | undefined;

  const session = () => {
    sessionPromise ??= (async () => {
      const opened = await ports.sandbox.openSession(runId, { image: input.environment?.image });
      // The repository's own files go in first, so imports and existing tests work in the sandbox.
      await seedSandbox({ session: opened, workspace: ports.workspace, log, nodeModules: profile.language === "node" });
      return opened;
    })();
    return sessionPromise;
  };

  const applyEdit = async (stepId: string, edit: FileEdit, by: string): Promise<string | undefined> => {
    // The repository's tests are the yardstick: a model may add tests, never overwrite or shadow existing ones.
    const refusal = refuseTestEdit(edit, profile, (await ports.workspace.readFile(edit.path)) !== null);
    if (refusal) {
      await log.emit("edit.rejected", { stepId, by, path: edit.path, kind: edit.kind, error: refusal });
      return refusal;
    }
    const result = await ports.workspace.applyEdit(edit);
    if (!result.ok) {
      await log.emit("edit.rejected", { stepId, by, path: edit.path, kind: edit.kind, error: result.error });
      return result.error;
    }
    for (const change of result.changes) changedFiles.set(change.path, change);
    await log.emit("edit.applied", {
      stepId,
      by,
      path: edit.path,
      kind: edit.kind,
      changes: result.changes,
      ...(edit.kind === "patch" ? { diff: edit.diff } : { content: edit.content }),
    });
    return undefined;
  };

  const recordRun = async (stepId: string | null, result: ExecutionResult) => {
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
    commands.push(record);
    await log.emit("sandbox.command", { ...record, stdout: tail(result.stdout), stderr: tail(result.stderr), summary: result.summary });
    for (const test of result.tests) {
      const file = testFileOf(test);
      const origin = file !== undefined && modelTestFiles.has(file) ? "model" : "repository";
      const entry: TestRecord = { name: test.name, classname: test.classname, file, status: test.status, origin };
      lastTests.set(`${test.classname}::${test.name}`, entry);
      await log.emit("test.result", { stepId, ...entry, message: test.message, durationMs: test.durationMs });
    }
    return judgement;
  };

  const runPytest = async (stepId: string | null, testPaths?: string[]) => {
    throwIfStopped();
    const opened = await session();
    const run = { signal: controller.signal, timeoutMs: settings.sandboxTimeoutMs };
    const result = profile.testCommand ? await opened.runSuite(suiteFor(profile.testCommand, testPaths ?? []), run) : await opened.runPytest({ testPaths, ...run });
    throwIfStopped();
    return { result, judgement: await recordRun(stepId, result) };
  };

  const readFiles = async (paths: string[]) => {
    const files: FileText[] = [];
    for (const path of new Set(paths)) {
      const content = await ports.workspace.readFile(path);
      if (content !== null) files.push({ path, content });
    }
    return files;
  };

  /** coder (or tester) -> tests -> sandbox -> debugger -> sandbox ..., under the debug cap. */
  const runCodeStep = async (step: PlanStep): Promise<StepOutcome> => {
    const file = step.file!;
    const ctx = agentContext(step.id);
    const isTestFile = isTestPath(file, profile);
    const testPath = isTestable(file, profile) || isTestFile ? testPathOf(file) : undefined;
    // No further edit to a file until its last edit has been executed: the lock spans edit and run.
    const release = await fileLocks.lock(testPath ? [file, testPath] : [file]);
    try {
      if (step.agent === "coder") {
        const dependencyFiles = await readFiles(plan!.steps.filter((s) => step.depends_on.includes(s.id) && s.file).map((s) => s.file!));
        const coderInput = {
          task,
          step: { id: step.id, description: step.description, file },
          currentContent: await ports.workspace.readFile(file),
          relatedFiles: [...input.contextFiles.filter((f) => f.path !== file), ...dependencyFiles],
          repository,
        };
        let edit = await writeCode(ctx, coderInput);
        let error = await applyEdit(step.id, edit, "coder");
        if (error) {
          // One corrected edit, the failure shown to the model (aider style).
          edit = await writeCode(ctx, { ...coderInput, previousFailure: { edit, error } });
          error = await applyEdit(step.id, edit, "coder");
          if (error) return { id: step.id, status: "failed", reason: `the coder's edit to ${file} could not be applied: ${error}`, runs: 0 };
        }
        if (isTestFile) modelTestFiles.add(file);
      } else if ((await ports.workspace.readFile(file)) === null) {
        return { id: step.id, status: "failed", reason: `${file} does not exist, so there is nothing to test`, runs: 0 };
      }

      if (!testPath) return { id: step.id, status: "applied", reason: `${file} has no tests to run: written, not executed`, runs: 0 };
      if (!isTestFile) {
        throwIfStopped();
        const tests = await writeTests(ctx, {
          task,
          step: { id: step.id, description: step.description },
          codePath: file,
          code: (await ports.workspace.readFile(file)) ?? "",
          existingTests: await ports.workspace.readFile(testPath),
          testPath,
          repository,
          framework: profile.framework,
        });
        const error = await applyEdit(step.id, { kind: "write", path: tests.path, content: tests.content }, "tester");
        if (error) return { id: step.id, status: "failed", reason: `the tests could not be written: ${error}`, runs: 0 };
        modelTestFiles.add(testPath);
      }

      for (let runs = 1; ; runs++) {
        throwIfStopped();
        await (await session()).writeFiles(await readFiles([file, testPath]));
        await log.emit("step.running", { stepId: step.id, sandboxRun: runs, testPaths: [testPath] });
        const { result, judgement } = await runPytest(step.id, [testPath]);
        if (judgement.passed) return { id: step.id, status: "passed", runs };
        const attempt = runs;
        if (attempt > settings.maxDebugAttempts) {
          return {
            id: step.id,
            status: "failed",
            reason: `tests still fail after ${settings.maxDebugAttempts} debug attempt(s): ${judgement.reason}`,
            runs,
          };
        }
        let execution: ExecutionForModel = forModel(result, judgement);
        await log.emit("debug.started", { stepId: step.id, attempt, of: settings.maxDebugAttempts, reason: judgement.reason });
        let applied = false;
        for (let tries = 0; tries < 2 && !applied; tries++) {
          throwIfStopped();
          const fix = await debugFailure(ctx, {
            task,
            step: { id: step.id, description: step.description },
            codePath: file,
            testPath,
            files: await readFiles([file, testPath]),
            execution,
            attempt,
            maxAttempts: settings.maxDebugAttempts,
            repository,
          });
          const errors: string[] = [];
          for (const edit of fix.edits) {
            const error = await applyEdit(step.id, edit, "debugger");
            if (error) errors.push(error);
          }
          applied = errors.length === 0;
          if (applied && fix.changedTests && !isTestFile) testsChangedByDebugger.add(testPath);
          if (!applied) {
            execution = { ...execution, failureReason: `Your previous fix could not be applied: ${errors.join("; ")}. ${judgement.reason ?? ""}` };
          }
        }
        if (!applied) return { id: step.id, status: "failed", reason: "the debugger's fix could not be applied twice", runs };
      }
    } finally {
      release();
    }
  };

  const runToolStep = async (step: PlanStep): Promise<StepOutcome> => {
    if (!ports.tools || !settings.enableToolUse) return { id: step.id, status: "failed", reason: "tool use is disabled", runs: 0 };
    const result = await ports.tools.execute({ runId, name: step.tool_name!, params: step.tool_params ?? {}, session: await session(), signal: controller.signal });
    throwIfStopped();
    const command = result.command ? commandText(result.command) : null;
    await log.emit("tool.executed", { stepId: step.id, name: step.tool_name ?? "", command, ok: result.ok, exitCode: result.exitCode ?? null, output: tail(result.output) });
    if (command !== null) {
      commands.push({
        stepId: step.id,
        command,
        exitCode: result.exitCode ?? null,
        timedOut: false,
        oomKilled: false,
        durationMs: 0,
        passed: result.ok,
      });
    }
    return { id: step.id, status: result.ok ? "passed" : "failed", reason: result.ok ? undefined : `tool ${step.tool_name} failed`, runs: 0 };
  };

  const commitLock = new KeyedMutex();
  const runStep = async (step: PlanStep): Promise<StepOutcome> => {
    await log.emit("step.started", { stepId: step.id, agent: step.agent, description: step.description, file: step.file ?? null });
    let outcome: StepOutcome;
    try {
      throwIfStopped();
      outcome = step.agent === "tool" ? await runToolStep(step) : await runCodeStep(step);
    } catch (error) {
      outcome = controller.signal.aborted
        ? { id: step.id, status: "cancelled", reason: stop?.kind === "budget" ? stop.error.message : "cancelled", runs: 0 }
        : { id: step.id, status: "failed", reason: errorText(error), runs: 0 };
    }
    if (step.file && outcome.status !== "cancelled") {
      const release = await commitLock.lock(["commit"]);
      try {
        const paths = [step.file, ...(testPaths.has(step.file) && testPaths.get(step.file) !== step.file ? [testPaths.get(step.file)!] : [])];
        const commit = await ports.workspace.commitStep({ message: `${step.id} [${outcome.status}]: ${step.description}`, paths });
        if (commit) await log.emit("step.committed", { stepId: step.id, commit });
      } catch (error) {
        await log.emit("step.commit_failed", { stepId: step.id, error: errorText(error) });
      } finally {
        release();
      }
    }
    await log.emit("step.finished", { stepId: step.id, status: outcome.status, reason: outcome.reason ?? null, runs: outcome.runs });
    return outcome;
  };

  // A step the run stopped before starting writes no event: run.finished marks every unfinished step
  // cancelled, so cancelling costs the same whatever the plan's size.
  const notStarted = (step: PlanStep): StepOutcome => ({ id: step.id, status: "cancelled", reason: "the run stopped", runs: 0 });

  const runGraph = async (graph: Plan): Promise<StepOutcome[]> => {
    const byId = new Map(graph.steps.map((s) => [s.id, s]));
    const slots = new Semaphore(settings.parallel ? settings.maxParallelWorkers : 1);
    const started = new Map<string, Promise<StepOutcome>>();
    const start = (step: PlanStep): Promise<StepOutcome> => {
      let promise = started.get(step.id);
      if (!promise) {
        promise = (async () => {
          const deps = await Promise.all(step.depends_on.map((id) => start(byId.get(id)!)));
          if (controller.signal.aborted) return notStarted(step);
          const blocker = deps.find((d) => d.status !== "passed" && d.status !== "applied");
          if (blocker) {
            const outcome: StepOutcome = {
              id: step.id,
              status: "skipped",
              reason: `depends on ${blocker.id}, which ${blocker.status === "skipped" ? "was skipped" : blocker.status}`,
              runs: 0,
            };
            await log.emit("step.finished", { stepId: step.id, status: outcome.status, reason: outcome.reason ?? null, runs: 0 });
            return outcome;
          }
          return slots.run(() => (controller.signal.aborted ? Promise.resolve(notStarted(step)) : runStep(step)));
        })();
        started.set(step.id, promise);
      }
      return promise;
    };
    return Promise.all(graph.steps.map(start));
  };

  try {
    await log.emit("run.started", { task, settings: { ...settings } });
    throwIfStopped();

    let memories: { task: string; summary: string }[] = [];
    let snippets: FileText[] = [];
    if (ports.memory) {
      try {
        const [recalled, found] = await Promise.all([
          settings.memoryTopK > 0 ? ports.memory.recallSimilar({ projectId, query: task, k: settings.memoryTopK }) : [],
          settings.snippetsTopK > 0 ? ports.memory.searchRepository({ projectId, query: task, k: settings.snippetsTopK }) : [],
        ]);
        memories = recalled.map((m) => ({ task: m.task, summary: m.summary }));
        snippets = found.map((s) => ({ path: `${s.path}:${s.startLine}-${s.endLine}`, content: s.text }));
        await log.emit("memory.recalled", { memories: recalled.map((m) => ({ runId: m.runId, task: m.task, score: m.score })), snippets: found.map((s) => ({ path: s.path, startLine: s.startLine, endLine: s.endLine, score: s.score })) });
      } catch (error) {
        // Memory makes plans better but is not needed for a correct run.
        await log.emit("memory.unavailable", { error: errorText(error) });
      }
    }

    const tools = settings.enableToolUse && ports.tools ? ports.tools.listTools() : [];
    await log.emit("plan.started", { given: input.plan != null });
    const planned = input.plan != null ? givenPlan(input.plan, tools) : await planTask(agentContext(null), { task, contextFiles: input.contextFiles, memories, snippets, tools, repository });
    plan = planned.plan;
    await log.emit("plan.created", { steps: plan.steps, repaired: planned.repaired });

    steps = await runGraph(plan);
    throwIfStopped();

    const failed = steps.find((s) => s.status !== "passed" && s.status !== "applied");
    if (failed) {
      failure = `step ${failed.id} ${failed.status}: ${failed.reason ?? ""}`.trim();
    } else {
      if (profile.testCommand && changedFiles.size > 0) {
        // The repository's whole suite after all edits, every changed file in the sandbox, judged against the base commit.
        await log.emit("verification.started", { suite: profile.testCommand.shell });
        const opened = await session();
        await opened.writeFiles(await readFiles([...changedFiles.keys()]));
        throwIfStopped();
        const { result, comparison } = await runFinalSuite({ session: opened, command: profile.testCommand, baseline: input.environment?.baseline, signal: controller.signal });
        throwIfStopped();
        await recordRun(null, result);
        commands[commands.length - 1] = { ...commands[commands.length - 1]!, passed: comparison.passed, reason: comparison.reason };
        baselineSummary = summarizeComparison(comparison);
        await log.emit("verification.baseline", { ...baselineSummary });
        finalRun = { passed: comparison.passed, reason: comparison.reason };
        if (!comparison.passed) failure = `the final full test run failed: ${comparison.reason}`;
      } else if (modelTestFiles.size > 0) {
        // One run of every test in the workspace: the model's and the repository's, after all edits.
        await log.emit("verification.started", {});
        const { judgement } = await runPytest(null);
        finalRun = judgement;
        if (!judgement.passed) failure = `the final full test run failed: ${judgement.reason}`;
      }
      if (!failure) {
        const files = await readFiles([...changedFiles.keys()]);
        verdict = await reviewRun(agentContext(null), {
          task,
          planSummary: plan.steps.map((s) => `${s.id} (${s.agent}${s.file ? ` ${s.file}` : ""}): ${s.description}`).join("\n"),
          files,
          verification: describeCommands(commands, finalRun),
        });
        await log.emit("verdict", { ...verdict });
        if (verdict.verdict === "FAIL") failure = `the critic rejected the result: ${verdict.reasons.join("; ") || "no reason given"}`;
      }
    }
  } catch (error) {
    if (!controller.signal.aborted) failure = errorText(error);
  } finally {
    input.signal?.removeEventListener("abort", onUserAbort);
  }

  await killing;
  if (sessionPromise) await sessionPromise.then((s) => s.close()).catch(() => undefined);

  const verification = buildVerification({ commands, modelTestFiles, testsChangedByDebugger, tests: [...lastTests.values()], finalRun, verdict, failed: failure !== undefined || stop !== undefined, baseline: baselineSummary });
  let status: RunOutcome["status"];
  let reason: string | undefined;
  if (stop?.kind === "cancelled") [status, reason] = ["cancelled", "cancelled by the user"];
  else if (stop?.kind === "budget") [status, reason] = ["failed", stop.error.message];
  else if (failure) [status, reason] = ["failed", failure];
  else status = "succeeded";

  if (status === "succeeded" && verification.outcome === "verified" && ports.memory && plan) {
    try {
      await ports.memory.rememberRun({
        projectId,
        runId,
        task,
        plan,
        diffSummary: [...changedFiles.values()].map((c) => `${c.kind} ${c.path} (+${c.added} -${c.removed})`).join("\n"),
      });
      await log.emit("memory.remembered", {});
    } catch (error) {
      await log.emit("memory.unavailable", { error: errorText(error) });
    }
  }

  const outcome: RunOutcome = { status, reason, verdict, verification, usage: { ...metered.usage }, plan, steps };
  await log.emit("run.finished", { status, reason: reason ?? null, verdict, verification, usage: outcome.usage, steps });
  try {
    await log.drain();
  } catch (error) {
    return { ...outcome, status: "failed", reason: `the run's events could not be stored: ${errorText(error)}` };
  }
  return outcome;
}

function givenPlan(raw: unknown, tools: { name: string }[]): { plan: Plan; repaired: boolean } {
  const checked = validatePlan(raw, { tools: tools.map((tool) => tool.name) });
  if (!checked.ok) throw new AppError("BAD_REQUEST", `The given plan cannot run: ${checked.error}`);
  return { plan: checked.value, repaired: false };
}

function describeCommands(commands: CommandRecord[], finalRun: { passed: boolean; reason?: string } | undefined): string {
  const lines = commands.map((c) => `- [${c.stepId ?? "final"}] ${c.command} -> exit ${c.exitCode ?? "none"}${c.passed ? " (passed)" : ` (failed: ${c.reason})`}`);
  if (finalRun) lines.push(finalRun.passed ? "The final full test run passed." : `The final full test run failed: ${finalRun.reason}`);
  return lines.length ? lines.join("\n") : "Nothing was executed (no Python tests apply to these changes).";
}

function buildVerification(input: {
  commands: CommandRecord[];
  modelTestFiles: Set<string>;
  testsChangedByDebugger: Set<string>;
  tests: TestRecord[];
  finalRun: { passed: boolean; reason?: string } | undefined;
  verdict: Verdict | null;
  failed: boolean;
  baseline?: BaselineSummary;
}): Verification {
  let outcome: Verification["outcome"];
  if (input.finalRun?.passed && !input.failed) outcome = "verified";
  else if (input.failed && input.commands.some((c) => !c.passed)) outcome = "failed";
  else if (input.commands.length === 0 && input.verdict?.verdict === "PASS" && !input.failed) outcome = "asserted";
  else if (input.commands.length === 0) outcome = "not_run";
  else outcome = "failed";
  const model = input.tests.filter((t) => t.origin === "model");
  const repository = input.tests.filter((t) => t.origin === "repository");
  const count = (tests: TestRecord[]) => `${tests.filter((t) => t.status === "passed").length}/${tests.length} passed`;
  const summary = [
    {
      verified: "Verified by execution: the final test run passed (exit code 0, JUnit report with no failures).",
      asserted: "Not verified by execution: nothing runnable was produced; only the critic's PASS supports the result.",
      failed: "Execution failed: see the commands and test results.",
      not_run: "Nothing was executed.",
    }[outcome],
    `${input.commands.length} command(s) run; tests written by the model: ${count(model)}; tests already in the repository: ${count(repository)}.`,
    ...(input.testsChangedByDebugger.size ? [`The debugger changed these test files: ${[...input.testsChangedByDebugger].join(", ")}.`] : []),
    ...(input.baseline
      ? [`Against the base commit${input.baseline.baselineAvailable ? "" : " (no baseline: it could not be run)"}: ${input.baseline.regressions.length} regression(s), ${input.baseline.alreadyFailing.length} already failing, ${input.baseline.newTests.length} new test(s).`]
      : []),
  ].join(" ");
  return {
    outcome,
    commands: input.commands,
    modelTestFiles: [...input.modelTestFiles],
    testsChangedByDebugger: [...input.testsChangedByDebugger],
    tests: input.tests,
    ...(input.baseline ? { baseline: input.baseline } : {}),
    summary,
  };
}

