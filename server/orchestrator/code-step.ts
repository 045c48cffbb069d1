/**
 * The code step as a small state machine: code (the coder's edit, one corrected retry; for a new file the
 * tester designs its tests at the same time, without the code) -> tests (the tester's file) -> run (in the
 * sandbox) -> passed, or debug (the debugger's fix, one corrected retry) -> run again, until the debug cap. Every effect goes through CodeStepPorts, so each transition is unit
 * tested on fakes (code-step.test.ts); runTask supplies the real ones.
 */
import type { AgentContext } from "@/server/agents/agent-context";
import type { writeCode } from "@/server/agents/coder";
import type { debugFailure, ExecutionForModel } from "@/server/agents/debugger";
import type { FileEdit } from "@/server/agents/file-edit";
import type { PlanStep } from "@/server/agents/plan";
import type { FileText } from "@/server/agents/planner";
import type { writeTests } from "@/server/agents/tester";
import type { ExecutionResult } from "@/server/orchestrator/ports";
import { forModel, type Judgement } from "@/server/orchestrator/verify-execution";
import type { PayloadOf } from "@/server/runs/events/contract";
import type { StepOutcome } from "./run-types";

export interface CodeStepAgents {
  writeCode: typeof writeCode;
  writeTests: typeof writeTests;
  debugFailure: typeof debugFailure;
}

export interface CodeStepPorts {
  task: string;
  /** The step's file is itself a test file; testPath is where its tests go (undefined: nothing to run). */
  isTestFile: boolean;
  testPath: string | undefined;
  /** The repository's language, framework and test layout, as lines for the prompts (undefined: Python, pytest). */
  repository?: string;
  framework?: "pytest" | "vitest" | "jest" | "node:test" | "none";
  /** The task's context files and the files of the steps this one depends on. */
  relatedFiles: FileText[];
  agents: CodeStepAgents;
  ctx: AgentContext;
  maxDebugAttempts: number;
  /** The tester waits for the coder and sees its code even for a new file (the comparison point of the bench). */
  testerAfterCoder?: boolean;
  readFile(path: string): Promise<string | null>;
  readFiles(paths: string[]): Promise<FileText[]>;
  /** Applies and records an edit (independent: tests written without seeing the code); the error (written for the model) when it was rejected. */
  applyEdit(edit: FileEdit, by: "coder" | "tester" | "debugger", note?: { independent: boolean }): Promise<string | undefined>;
  /** A batch: if one edit fails, none is written (the debugger's multi-file answers). */
  applyEdits(edits: FileEdit[], by: "debugger"): Promise<string | undefined>;
  /** Freezes a model-written test file before its first run (the acceptance set), and notes a later change's reason. */
  freezeTest(path: string): Promise<void>;
  noteTestChange(path: string, reason: string): void;
  /** Copies the files into the sandbox, runs pytest on the test file and records the command and results. */
  runTests(testPath: string, files: FileText[]): Promise<{ result: ExecutionResult; judgement: Judgement }>;
  emit<T extends "step.running" | "debug.started">(type: T, payload: PayloadOf<T>): Promise<unknown>;
  /** Throws when the run was cancelled or its budget is spent, so no further model call or run starts. */
  throwIfStopped(): void;
  /** Test files the model wrote, and those the debugger changed: the verification reports both. */
  modelTestFiles: Set<string>;
  testsChangedByDebugger: Set<string>;
}

type Written = { path: string; content: string };

type State =
  | { at: "code" }
  /** designed: the independent tester's answer, requested while the coder wrote a new file. */
  | { at: "tests"; designed?: Promise<Written> }
  | { at: "run"; run: number }
  | { at: "debug"; run: number; result: ExecutionResult; judgement: Judgement }
  | { at: "done"; outcome: Omit<StepOutcome, "id"> };

type Transition<S extends State["at"]> = (state: Extract<State, { at: S }>, step: PlanStep & { file: string }, ports: CodeStepPorts) => Promise<State>;

const done = (status: StepOutcome["status"], runs: number, reason?: string): State => ({ at: "done", outcome: { status, runs, ...(reason ? { reason } : {}) } });

const testerInput = (step: PlanStep & { file: string }, ports: CodeStepPorts, code: string | null, existingTests: string | null) => ({
  task: ports.task,
  step: { id: step.id, description: step.description, ...(step.interface ? { interface: step.interface } : {}) },
  codePath: step.file,
  code,
  existingTests,
  testPath: ports.testPath,
  repository: ports.repository,
  framework: ports.framework,
});

/**
 * A new module's tests are designed from the task and the planned interface while the coder writes it (AgentCoder's
 * test designer): the tester never sees the code, so its tests are a check the model cannot fit to its own code.
 */
async function designTests(step: PlanStep & { file: string }, ports: CodeStepPorts): Promise<Written> {
  const existingTests = ports.testPath ? await ports.readFile(ports.testPath) : null;
  ports.throwIfStopped();
  return ports.agents.writeTests(ports.ctx, testerInput(step, ports, null, existingTests));
}

const code: Transition<"code"> = async (_state, step, ports) => {
  const { isTestFile } = ports;
  if (step.agent !== "coder") {
    return (await ports.readFile(step.file)) === null ? done("failed", 0, `${step.file} does not exist, so there is nothing to test`) : { at: "tests" };
  }
  const currentContent = await ports.readFile(step.file);
  const designed = currentContent === null && !isTestFile && ports.testPath && !ports.testerAfterCoder ? designTests(step, ports) : undefined;
  // Handled at once (its failure is thrown where it is awaited), and settled before a failed coder's step returns.
  const settled = () => designed?.then(() => undefined, () => undefined);
  void settled();
  const input = { task: ports.task, step: { id: step.id, description: step.description, file: step.file, ...(step.interface ? { interface: step.interface } : {}) }, currentContent, relatedFiles: ports.relatedFiles, repository: ports.repository };
  try {
    let edit = await ports.agents.writeCode(ports.ctx, input);
    let error = await ports.applyEdit(edit, "coder");
    if (error) {
      // One corrected edit, the failure shown to the model (aider style).
      edit = await ports.agents.writeCode(ports.ctx, { ...input, previousFailure: { edit, error } });
      error = await ports.applyEdit(edit, "coder");
      if (error) {
        await settled();
        return done("failed", 0, `the coder's edit to ${step.file} could not be applied: ${error}`);
      }
    }
  } catch (error) {
    await settled();
    throw error;
  }
  if (isTestFile) ports.modelTestFiles.add(step.file);
  return designed ? { at: "tests", designed } : { at: "tests" };
};

const tests: Transition<"tests"> = async (state, step, ports) => {
  const { isTestFile, testPath } = ports;
  if (!testPath) return done("applied", 0, `${step.file} has no tests to run: written, not executed`);
  if (isTestFile) return { at: "run", run: 1 };
  ports.throwIfStopped();
  // An existing file's tester sees the file as it is now (after the coder's edit), as before.
  const written =
    (await state.designed) ?? (await ports.agents.writeTests(ports.ctx, testerInput(step, ports, (await ports.readFile(step.file)) ?? "", await ports.readFile(testPath))));
  const error = await ports.applyEdit({ kind: "write", path: written.path, content: written.content }, "tester", { independent: state.designed !== undefined });
  if (error) return done("failed", 0, `the tests could not be written: ${error}`);
  ports.modelTestFiles.add(testPath);
  return { at: "run", run: 1 };
};

const run: Transition<"run"> = async (state, step, ports) => {
  const testPath = ports.testPath!;
  ports.throwIfStopped();
  // The acceptance test is the one written before any run; later changes need a reason and a review.
  if (ports.modelTestFiles.has(testPath)) await ports.freezeTest(testPath);
  await ports.emit("step.running", { stepId: step.id, sandboxRun: state.run, testPaths: [testPath] });
  const { result, judgement } = await ports.runTests(testPath, await ports.readFiles([step.file, testPath]));
  if (judgement.passed) return done("passed", state.run);
  // Run n failed after n - 1 debug rounds: a further round is allowed while under the cap.
  if (state.run > ports.maxDebugAttempts) return done("failed", state.run, `tests still fail after ${ports.maxDebugAttempts} debug attempt(s): ${judgement.reason}`);
  return { at: "debug", run: state.run, result, judgement };
};

const debug: Transition<"debug"> = async (state, step, ports) => {
  const { isTestFile, testPath } = ports;
  const attempt = state.run;
  await ports.emit("debug.started", { stepId: step.id, attempt, of: ports.maxDebugAttempts, reason: state.judgement.reason });
  let execution: ExecutionForModel = forModel(state.result, state.judgement);
  for (let tries = 0; tries < 2; tries++) {
    ports.throwIfStopped();
    const fix = await ports.agents.debugFailure(ports.ctx, {
      task: ports.task,
      step: { id: step.id, description: step.description },
      codePath: step.file,
      testPath: testPath!,
      files: await ports.readFiles([step.file, testPath!]),
      execution,
      attempt,
      maxAttempts: ports.maxDebugAttempts,
      repository: ports.repository,
    });
    const error = await ports.applyEdits(fix.edits, "debugger");
    if (error === undefined) {
      if (fix.changedTests) {
        if (!isTestFile) ports.testsChangedByDebugger.add(testPath!);
        ports.noteTestChange(testPath!, fix.testReason ?? "no reason given");
      }
      return { at: "run", run: state.run + 1 };
    }
    execution = { ...execution, failureReason: `Your previous fix could not be applied: ${error}. ${state.judgement.reason ?? ""}` };
  }
  return done("failed", state.run, "the debugger's fix could not be applied twice");
};

/** Runs one code step to its outcome. A stop (cancel, budget) is thrown by throwIfStopped and left to the caller. */
export async function executeCodeStep(step: PlanStep & { file: string }, ports: CodeStepPorts): Promise<StepOutcome> {
  let state: State = { at: "code" };
  while (state.at !== "done") {
    switch (state.at) {
      case "code":
        state = await code(state, step, ports);
        break;
      case "tests":
        state = await tests(state, step, ports);
        break;
      case "run":
        state = await run(state, step, ports);
        break;
      case "debug":
        state = await debug(state, step, ports);
        break;
    }
  }
  return { id: step.id, ...state.outcome };
}
