import { reviewRun, type Verdict } from "@/server/agents/critic";
import { validatePlan, type Plan } from "@/server/agents/plan";
import { planTask, type FileText } from "@/server/agents/planner";
import { AppError, errorText } from "@/server/errors";
import { trackAfterRun } from "@/server/runs/after-run-work";
import type { OrchestratorPorts } from "@/server/orchestrator/ports";
import type { EmittedEvent } from "@/server/orchestrator/run-event-log";
import { runFinalSuite, summarizeComparison, type BaselineSummary, type RunEnvironment } from "@/server/orchestrator/verify-suite";
import { acceptanceOutcome } from "./acceptance-set";
import { dependencyTools } from "./dependency-step";
import { buildVerification, describeCommands, type AcceptanceReview, type FinalRun } from "./build-verification";
import { reverifyBranch } from "./reverify-branch";
import { RunScope } from "./run-scope";
import { StepScheduler } from "./run-step";
import { resolveRunSettings, type RunOutcome, type RunSettings, type StepOutcome } from "./run-types";

export { resolveRunSettings };
export type { CommandRecord, RunOutcome, RunSettings, StepOutcome, StepStatus, TestRecord, Verification } from "./run-types";

export interface RunTaskInput {
  runId: string;
  projectId: string;
  task: string;
  contextFiles: FileText[];
  /** A fixed plan from the caller (stored on the task, or approved in review): validated like a planner's and run without the Planner. */
  plan?: unknown;
  /** Stop after the Planner until the plan is reviewed (ignored with a given plan: that one is already decided). */
  planReview?: { expiresAt: Date };
  settings?: Partial<RunSettings>;
  signal?: AbortSignal;
  ports: OrchestratorPorts;
  /** The project environment: image, language and test layout, baseline. Absent: Python, pytest, SANDBOX_IMAGE. */
  environment?: RunEnvironment;
  onEvent?: (event: EmittedEvent) => void;
}

/** What the planning, execution and review phases found; finish() turns it into the outcome. */
interface Progress {
  plan: Plan | null;
  steps: StepOutcome[];
  verdict: Verdict | null;
  finalRun?: FinalRun;
  baseline?: BaselineSummary;
  review?: AcceptanceReview;
  failure?: string;
}

/**
 * Runs one task: plan (with memories and repository snippets), schedule the plan's steps as a dependency
 * graph (each code step through the executor in code-step.ts), verify with a final full test run and the
 * critic, and finish (memory on a verified pass, run.finished). Every step of the way is an event.
 */
export async function runTask(input: RunTaskInput): Promise<RunOutcome> {
  const scope = new RunScope(input.runId, input.ports, resolveRunSettings(input.settings), input.signal, input.onEvent, input.environment);
  const progress: Progress = { plan: null, steps: [], verdict: null };
  try {
    await scope.log.emit("run.started", { task: input.task, settings: { ...scope.settings } });
    scope.throwIfStopped();
    progress.plan = await plan(scope, input);
    scope.throwIfStopped();
    if (input.planReview && input.plan == null) return await awaitApproval(scope, input.planReview.expiresAt, progress);
    progress.steps = await new StepScheduler(scope, progress.plan, input).run();
    scope.throwIfStopped();
    await verify(scope, input, progress);
  } catch (error) {
    if (!scope.signal.aborted) progress.failure = errorText(error);
  }
  await scope.close();
  return finish(scope, input, progress);
}

/**
 * Plan review: the run stops here and its worker lets go of it (no slot, no container, no worktree is held while
 * a person reads the plan); approval queues it again and a worker runs the approved plan without the Planner.
 */
async function awaitApproval(scope: RunScope, expiresAt: Date, progress: Progress): Promise<RunOutcome> {
  await scope.log.emit("plan.awaiting_approval", { expiresAt: expiresAt.toISOString() });
  await scope.close();
  await scope.log.drain();
  const verification = buildVerification({ commands: [], modelTestFiles: new Set(), testsChangedByDebugger: new Set(), tests: [], finalRun: undefined, verdict: null, failed: false });
  return { status: "awaiting_approval", verdict: null, verification, usage: { ...scope.metered.usage }, plan: progress.plan, steps: [] };
}

async function plan(scope: RunScope, input: RunTaskInput): Promise<Plan> {
  const { settings, ports, log } = scope;
  let memories: { task: string; summary: string }[] = [];
  let snippets: FileText[] = [];
  if (ports.memory) {
    try {
      const [recalled, found] = await Promise.all([
        settings.memoryTopK > 0 ? ports.memory.recallSimilar({ projectId: input.projectId, query: input.task, k: settings.memoryTopK }) : [],
        settings.snippetsTopK > 0 ? ports.memory.searchRepository({ projectId: input.projectId, query: input.task, k: settings.snippetsTopK }) : [],
      ]);
      memories = recalled.map((m) => ({ task: m.task, summary: m.summary }));
      snippets = found.map((s) => ({ path: `${s.path}:${s.startLine}-${s.endLine}`, content: s.text }));
      await log.emit("memory.recalled", {
        memories: recalled.map((m) => ({ runId: m.runId, task: m.task, score: m.score })),
        snippets: found.map((s) => ({ path: s.path, startLine: s.startLine, endLine: s.endLine, score: s.score })),
      });
    } catch (error) {
      // Memory makes plans better but is not needed for a correct run.
      await log.emit("memory.unavailable", { error: errorText(error) });
    }
  }
  const tools = settings.enableToolUse ? [...(ports.tools?.listTools() ?? []), ...(ports.environment ? dependencyTools(scope.profile.language) : [])] : [];
  await log.emit("plan.started", { given: input.plan != null });
  const planned =
    input.plan != null
      ? givenPlan(input.plan, tools)
      : await planTask(scope.agentContext(null), { task: input.task, contextFiles: input.contextFiles, memories, snippets, tools, repository: scope.repository });
  await log.emit("plan.created", { steps: planned.plan.steps, repaired: planned.repaired });
  return planned.plan;
}

/** After every step passed: one run of every test in the workspace (the repository's suite against its base commit), then the critic. */
async function verify(scope: RunScope, input: RunTaskInput, progress: Progress): Promise<void> {
  const failed = progress.steps.find((s) => s.status !== "passed" && s.status !== "applied");
  if (failed) {
    progress.failure = `step ${failed.id} ${failed.status}: ${failed.reason ?? ""}`.trim();
    return;
  }
  const command = scope.profile.testCommand;
  if (command && scope.changedFiles.size > 0) {
    // The repository's whole suite after all edits, every changed file in the sandbox, judged against the base commit.
    await scope.log.emit("verification.started", { suite: command.shell });
    const opened = await scope.session();
    await opened.writeFiles(await scope.readFiles([...scope.changedFiles.keys()]));
    scope.throwIfStopped();
    const counts = { passed: 0, failed: 0, skipped: 0 };
    const onProgress = (tests: Array<{ name: string; status: "passed" | "failed" | "skipped" }>) => {
      for (const test of tests) counts[test.status] += 1;
      void scope.log.emit("verification.progress", { tests: tests.slice(-50), ...counts });
    };
    const onOutput = scope.liveOutput(null, command.shell);
    const { result, comparison } = await runFinalSuite({ session: opened, command, baseline: input.environment?.baseline, signal: scope.signal, onProgress, onOutput });
    scope.throwIfStopped();
    await scope.recordRun(null, result);
    scope.commands[scope.commands.length - 1] = { ...scope.commands[scope.commands.length - 1]!, passed: comparison.passed, reason: comparison.reason };
    progress.baseline = summarizeComparison(comparison);
    await scope.log.emit("verification.baseline", { ...progress.baseline });
    progress.finalRun = { passed: comparison.passed, reason: comparison.reason };
    if (!comparison.passed) {
      progress.failure = `the final full test run failed: ${comparison.reason}`;
      return;
    }
  } else if (scope.modelTestFiles.size > 0) {
    const coveredBy = await scope.finalRunCoveredBy();
    await scope.log.emit("verification.started", coveredBy ? { coveredByStep: coveredBy } : {});
    // The same test files on the same tree already passed in that step's run: running them again proves nothing new.
    const judgement: FinalRun = coveredBy ? { passed: true, coveredByStep: coveredBy } : (await scope.runTests(null)).judgement;
    progress.finalRun = judgement;
    if (!judgement.passed) {
      progress.failure = `the final full test run failed: ${judgement.reason}`;
      return;
    }
  }
  // The critic reads the task, the plan, the files and the agents' runs, none of which the re-run below changes: it
  // reviews while the branch is re-run (issue #17), and its verdict counts only if the re-run passes.
  const criticStop = new AbortController();
  const review = critique(scope, input, progress, criticStop.signal);
  review.catch(() => undefined); // awaited below, or abandoned with the run
  if (progress.finalRun?.passed) {
    try {
      // What would be merged, checked apart from the agents' session: a fresh container, frozen tests, the base commit's harness.
      const { record } = await reverifyBranch({ runId: scope.runId, sandbox: scope.ports.sandbox, workspace: scope.ports.workspace, log: scope.log, profile: scope.profile, image: scope.image, frozenTests: scope.acceptance.frozenTests, harnessBase: scope.acceptance.harnessBase, baseline: input.environment?.baseline, signal: scope.signal });
      scope.throwIfStopped();
      const [harness, tests] = [await scope.acceptance.harnessChanges(), await scope.acceptance.testChanges()];
      const decided = acceptanceOutcome(record, harness, tests);
      progress.review = { outcome: decided.outcome, independent: record, harness, tests };
      if (decided.failure) {
        progress.failure = decided.failure;
        criticStop.abort(new Error("the independent re-run failed: the critic's review is not needed"));
        await review.catch(() => undefined); // settled before the run ends, so its usage cannot follow run.finished
        return;
      }
    } catch (error) {
      criticStop.abort(error);
      await review.catch(() => undefined);
      throw error;
    }
  }
  const verdict = await review;
  progress.verdict = verdict;
  await scope.log.emit("verdict", { ...verdict });
  if (verdict.verdict === "FAIL") progress.failure = `the critic rejected the result: ${verdict.reasons.join("; ") || "no reason given"}`;
}

/** The critic's review of the run's result, stopped with the run or by `stop`. */
async function critique(scope: RunScope, input: RunTaskInput, progress: Progress, stop: AbortSignal): Promise<Verdict> {
  const steps = progress.plan!.steps;
  const context = scope.agentContext(null);
  return reviewRun({ ...context, signal: context.signal ? AbortSignal.any([context.signal, stop]) : stop }, {
    task: input.task,
    planSummary: steps.map((s) => `${s.id} (${s.agent}${s.file ? ` ${s.file}` : ""}): ${s.description}`).join("\n"),
    files: await scope.readFiles([...scope.changedFiles.keys()]),
    verification: describeCommands(scope.commands, progress.finalRun),
  });
}

async function finish(scope: RunScope, input: RunTaskInput, progress: Progress): Promise<RunOutcome> {
  const { stop, log } = scope;
  const verification = buildVerification({
    commands: scope.commands,
    modelTestFiles: scope.modelTestFiles,
    testsChangedByDebugger: scope.testsChangedByDebugger,
    tests: [...scope.lastTests.values()],
    finalRun: progress.finalRun,
    verdict: progress.verdict,
    failed: progress.failure !== undefined || stop !== undefined,
    baseline: progress.baseline,
    review: progress.review,
  });
  let status: RunOutcome["status"];
  let reason: string | undefined;
  if (stop?.kind === "cancelled") [status, reason] = ["cancelled", "cancelled by the user"];
  else if (stop?.kind === "budget") [status, reason] = ["failed", stop.error.message];
  else if (progress.failure) [status, reason] = ["failed", progress.failure];
  else status = "succeeded";

  const memory = scope.ports.memory;
  // Off the run's critical path and its worker slot: nothing may follow run.finished in the record, so a failed
  // write is logged; a stopping worker still waits for it (after-run-work.ts).
  if (status === "succeeded" && verification.outcome === "verified" && memory && progress.plan) {
    const diffSummary = [...scope.changedFiles.values()].map((c) => `${c.kind} ${c.path} (+${c.added} -${c.removed})`).join("\n");
    const remembered = { projectId: input.projectId, runId: input.runId, task: input.task, plan: progress.plan, diffSummary };
    trackAfterRun(input.runId, () =>
      memory.rememberRun(remembered).catch((error: unknown) => console.warn(`[memory] run ${input.runId} could not be remembered: ${errorText(error)}`)),
    );
  }

  const { plan, steps, verdict } = progress;
  const outcome: RunOutcome = { status, reason, verdict, verification, usage: { ...scope.metered.usage }, plan, steps };
  await log.emit("run.finished", { status, reason: reason ?? null, verdict, verification, usage: outcome.usage, steps });
  // A failed append fails every one after it, run.finished included: thrown, so the caller records the run's end
  // itself (execute-run.ts) instead of leaving it running until its lease expires.
  await log.drain();
  return outcome;
}

function givenPlan(raw: unknown, tools: { name: string }[]): { plan: Plan; repaired: boolean } {
  const checked = validatePlan(raw, { tools: tools.map((tool) => tool.name) });
  if (!checked.ok) throw new AppError("BAD_REQUEST", `The given plan cannot run: ${checked.error}`);
  return { plan: checked.value, repaired: false };
}
