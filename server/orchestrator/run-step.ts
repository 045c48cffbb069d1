import { writeCode } from "@/server/agents/coder";
import { debugFailure } from "@/server/agents/debugger";
import type { Plan, PlanStep } from "@/server/agents/plan";
import type { FileText } from "@/server/agents/planner";
import { writeTests } from "@/server/agents/tester";
import { errorText } from "@/server/errors";
import { KeyedMutex, Semaphore } from "@/server/orchestrator/keyed-mutex";
import { isTestable, isTestPath } from "@/server/orchestrator/test-layout";
import { commandText } from "@/server/orchestrator/verify-execution";
import { executeCodeStep } from "./code-step";
import { isDependencyTool, runDependencyStep } from "./dependency-step";
import { tail, type RunScope } from "./run-scope";
import type { StepOutcome } from "./run-types";

const AGENTS = { writeCode, writeTests, debugFailure };

// A step the run stopped before starting writes no event: run.finished marks every unfinished step
// cancelled, so cancelling costs the same whatever the plan's size.
const notStarted = (step: PlanStep): StepOutcome => ({ id: step.id, status: "cancelled", reason: "the run stopped", runs: 0 });

/** Runs a plan's steps as a dependency graph, at most maxParallelWorkers at once; a step whose dependency did not pass is skipped. */
export class StepScheduler {
  private readonly fileLocks = new KeyedMutex();
  private readonly commitLock = new KeyedMutex();

  constructor(
    private readonly scope: RunScope,
    private readonly plan: Plan,
    private readonly input: { task: string; contextFiles: FileText[] },
  ) {}

  run(): Promise<StepOutcome[]> {
    const { scope, plan } = this;
    const byId = new Map(plan.steps.map((s) => [s.id, s]));
    const slots = new Semaphore(scope.settings.parallel ? scope.settings.maxParallelWorkers : 1);
    const started = new Map<string, Promise<StepOutcome>>();
    const start = (step: PlanStep): Promise<StepOutcome> => {
      let promise = started.get(step.id);
      if (!promise) {
        promise = (async () => {
          const deps = await Promise.all(step.depends_on.map((id) => start(byId.get(id)!)));
          if (scope.signal.aborted) return notStarted(step);
          const blocker = deps.find((d) => d.status !== "passed" && d.status !== "applied");
          if (blocker) {
            const outcome: StepOutcome = {
              id: step.id,
              status: "skipped",
              reason: `depends on ${blocker.id}, which ${blocker.status === "skipped" ? "was skipped" : blocker.status}`,
              runs: 0,
            };
            await scope.log.emit("step.finished", { stepId: step.id, status: outcome.status, reason: outcome.reason ?? null, runs: 0 });
            return outcome;
          }
          return slots.run(() => (scope.signal.aborted ? Promise.resolve(notStarted(step)) : this.runStep(step)));
        })();
        started.set(step.id, promise);
      }
      return promise;
    };
    return Promise.all(plan.steps.map(start));
  }

  /** step.started -> the code or tool step -> its commit on the run's branch -> step.finished. */
  private async runStep(step: PlanStep): Promise<StepOutcome> {
    const { scope } = this;
    await scope.log.emit("step.started", { stepId: step.id, agent: step.agent, description: step.description, file: step.file ?? null });
    let outcome: StepOutcome;
    try {
      scope.throwIfStopped();
      outcome = step.agent === "tool" ? await this.runToolStep(step) : await this.runCodeStep(step as PlanStep & { file: string });
    } catch (error) {
      outcome = scope.signal.aborted
        ? { id: step.id, status: "cancelled", reason: scope.stop?.kind === "budget" ? scope.stop.error.message : "cancelled", runs: 0 }
        : { id: step.id, status: "failed", reason: errorText(error), runs: 0 };
    }
    if (step.file && outcome.status !== "cancelled") await this.commit(step, outcome);
    await scope.log.emit("step.finished", { stepId: step.id, status: outcome.status, reason: outcome.reason ?? null, runs: outcome.runs });
    return outcome;
  }

  private async runCodeStep(step: PlanStep & { file: string }): Promise<StepOutcome> {
    const { scope } = this;
    const { profile } = scope;
    const isTestFile = isTestPath(step.file, profile);
    // Harness files (conftest.py, pytest.ini, ...) are not modules to test; the independent re-verification checks them.
    const isHarness = await scope.acceptance.isHarness(step.file);
    const testPath = !isHarness && (isTestable(step.file, profile) || isTestFile) ? scope.testPathOf(step.file) : undefined;
    // No further edit to a file until its last edit has been executed: the lock spans edit and run.
    const release = await this.fileLocks.lock(testPath ? [step.file, testPath] : [step.file]);
    try {
      const dependencyFiles = step.agent === "coder" ? await scope.readFiles(this.plan.steps.filter((s) => step.depends_on.includes(s.id) && s.file).map((s) => s.file!)) : [];
      return await executeCodeStep(step, {
        task: this.input.task,
        isTestFile,
        testPath,
        repository: scope.repository,
        framework: profile.framework,
        relatedFiles: [...this.input.contextFiles.filter((f) => f.path !== step.file), ...dependencyFiles],
        agents: AGENTS,
        ctx: scope.agentContext(step.id),
        maxDebugAttempts: scope.settings.maxDebugAttempts,
        readFile: (path) => scope.ports.workspace.readFile(path),
        readFiles: (paths) => scope.readFiles(paths),
        testerAfterCoder: scope.settings.testerAfterCoder,
        applyEdit: (edit, by, note) => scope.applyEdit(step.id, edit, by, note),
        applyEdits: (edits, by) => scope.applyEdits(step.id, edits, by),
        freezeTest: async (path) => {
          // Recorded, so a Re-verify long after the run still judges the branch by the tests as they were frozen.
          const content = await scope.acceptance.freeze(path);
          if (content !== null) await scope.log.emit("acceptance.frozen", { path, content });
        },
        noteTestChange: (path, reason) => scope.acceptance.noteTestChange(path, reason),
        runTests: async (path, files) => {
          await scope.withSession((session) => session.writeFiles(files));
          return scope.runTests(step.id, [path]);
        },
        emit: (type, payload) => scope.log.emit(type, payload),
        throwIfStopped: scope.throwIfStopped,
        modelTestFiles: scope.modelTestFiles,
        testsChangedByDebugger: scope.testsChangedByDebugger,
      });
    } finally {
      release();
    }
  }

  private async runToolStep(step: PlanStep): Promise<StepOutcome> {
    const { scope } = this;
    const tools = scope.ports.tools;
    if (!scope.settings.enableToolUse) return { id: step.id, status: "failed", reason: "tool use is disabled", runs: 0 };
    if (isDependencyTool(step.tool_name)) return runDependencyStep(scope, step);
    if (!tools) return { id: step.id, status: "failed", reason: "tool use is disabled", runs: 0 };
    const result = await scope.withSession((session) => tools.execute({ runId: scope.runId, name: step.tool_name!, params: step.tool_params ?? {}, session, signal: scope.signal }));
    scope.throwIfStopped();
    const command = result.command ? commandText(result.command) : null;
    await scope.log.emit("tool.executed", { stepId: step.id, name: step.tool_name ?? "", command, ok: result.ok, exitCode: result.exitCode ?? null, output: tail(result.output) });
    if (command !== null) scope.commands.push({ stepId: step.id, command, exitCode: result.exitCode ?? null, timedOut: false, oomKilled: false, durationMs: 0, passed: result.ok });
    return { id: step.id, status: result.ok ? "passed" : "failed", reason: result.ok ? undefined : `tool ${step.tool_name} failed`, runs: 0 };
  }

  private async commit(step: PlanStep, outcome: StepOutcome): Promise<void> {
    const { scope } = this;
    const file = step.file!;
    const release = await this.commitLock.lock(["commit"]);
    try {
      const testPath = scope.testPaths.get(file);
      const paths = [file, ...(testPath !== undefined && testPath !== file ? [testPath] : [])];
      const commit = await scope.ports.workspace.commitStep({ message: `${step.id} [${outcome.status}]: ${step.description}`, paths });
      if (commit) await scope.log.emit("step.committed", { stepId: step.id, commit });
    } catch (error) {
      await scope.log.emit("step.commit_failed", { stepId: step.id, error: errorText(error) });
    } finally {
      release();
    }
  }
}
