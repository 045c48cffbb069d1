import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AgentContext } from "@/server/agents/agent-context";
import { writeCode } from "@/server/agents/coder";
import { debugFailure } from "@/server/agents/debugger";
import { writeTests } from "@/server/agents/tester";
import { parseEnv } from "@/server/env";
import { createLlmClient } from "@/server/llm/create-llm-client";
import { resolveModelSettings } from "@/server/llm/resolve-model-settings";
import { startFakeLlm, type FakeLlm, type RecordedRequest } from "@/tests/fake-llm/fake-llm-server";
import type { FileEdit } from "@/server/agents/file-edit";
import type { PlanStep } from "@/server/agents/plan";
import { BudgetExceededError } from "@/server/orchestrator/metered-llm";
import type { ExecutionResult } from "@/server/orchestrator/ports";
import { executeCodeStep, type CodeStepAgents, type CodeStepPorts } from "./code-step";

const step: PlanStep & { file: string } = { id: "s1", agent: "coder", description: "Write add", file: "calc.py", depends_on: [] };

function execution(passed: boolean): ExecutionResult {
  return {
    command: ["pytest", "test_calc.py"],
    exitCode: passed ? 0 : 1,
    stdout: passed ? "1 passed" : "1 failed",
    stderr: "",
    stdoutTruncated: false,
    stderrTruncated: false,
    timedOut: false,
    oomKilled: false,
    durationMs: 10,
    tests: [{ name: "test_add", classname: "test_calc", status: passed ? "passed" : "failed", durationMs: 1 }],
    summary: { passed: passed ? 1 : 0, failed: passed ? 0 : 1, errors: 0, skipped: 0 },
    passed,
  };
}

/** Fakes for every port: a file map, scripted sandbox results, counted agent calls and the events emitted. */
function fakes(options: { runs: boolean[]; rejectEdits?: (edit: FileEdit, by: string) => string | undefined; stopAfterRuns?: number; stopWith?: Error }) {
  const files = new Map<string, string>();
  const calls: string[] = [];
  const events: string[] = [];
  let runs = 0;
  const agents: CodeStepAgents = {
    writeCode: async (_ctx, input) => {
      calls.push(input.previousFailure ? "coder-retry" : "coder");
      return { kind: "write", path: input.step.file, content: "def add(a, b):\n    return a + b\n" };
    },
    writeTests: async () => {
      calls.push("tester");
      return { path: "test_calc.py", content: "from calc import add\ndef test_add():\n    assert add(1, 2) == 3\n" };
    },
    debugFailure: async (_ctx, input) => {
      calls.push(`debugger-${input.attempt}`);
      return { edits: [{ kind: "write", path: "calc.py", content: "def add(a, b):\n    return b + a\n" }], changedTests: false };
    },
  };
  const ports: CodeStepPorts = {
    task: "Write add(a, b)",
    isTestFile: false,
    testPath: "test_calc.py",
    relatedFiles: [],
    agents,
    ctx: {} as AgentContext,
    maxDebugAttempts: 2,
    readFile: async (path) => files.get(path) ?? null,
    readFiles: async (paths) => paths.flatMap((path) => (files.has(path) ? [{ path, content: files.get(path)! }] : [])),
    applyEdit: async (edit, by, note) => {
      const error = options.rejectEdits?.(edit, by);
      if (error) {
        events.push(`edit.rejected:${by}`);
        return error;
      }
      if (edit.kind === "write") files.set(edit.path, edit.content);
      events.push(`edit.applied:${by}${note?.independent ? ":independent" : ""}`);
      return undefined;
    },
    async applyEdits(edits, by) {
      // All-or-nothing like the real batch: a rejected edit leaves every file as it was.
      const error = edits.map((edit) => options.rejectEdits?.(edit, by)).find(Boolean);
      if (error) {
        events.push(`edit.rejected:${by}`);
        return error;
      }
      for (const edit of edits) await this.applyEdit(edit, by);
      return undefined;
    },
    freezeTest: async () => undefined,
    noteTestChange: () => undefined,
    runTests: async () => {
      const passed = options.runs[runs++] ?? false;
      events.push(`sandbox.command:${passed ? "passed" : "failed"}`);
      const result = execution(passed);
      return { result, judgement: passed ? { passed: true } : { passed: false, reason: "1 test failed" } };
    },
    emit: async (type, payload) => {
      events.push(`${type}:${"sandboxRun" in payload ? payload.sandboxRun : payload.attempt}`);
    },
    throwIfStopped: () => {
      if (options.stopAfterRuns !== undefined && runs >= options.stopAfterRuns) throw options.stopWith ?? new DOMException("The run was cancelled", "AbortError");
    },
    modelTestFiles: new Set(),
    testsChangedByDebugger: new Set(),
  };
  return { ports, files, calls, events };
}

describe("the code step executor", () => {
  it("passes the first time: code, tests, one sandbox run, no debugger", async () => {
    const { ports, calls, events } = fakes({ runs: [true] });
    expect(await executeCodeStep(step, ports)).toEqual({ id: "s1", status: "passed", runs: 1 });
    expect(calls).toEqual(["coder", "tester"]);
    expect(events).toEqual(["edit.applied:coder", "edit.applied:tester:independent", "step.running:1", "sandbox.command:passed"]);
    expect([...ports.modelTestFiles]).toEqual(["test_calc.py"]);
  });

  it("converges: a failed run goes to the debugger and the fix is run again", async () => {
    const { ports, calls, events } = fakes({ runs: [false, true] });
    expect(await executeCodeStep(step, ports)).toEqual({ id: "s1", status: "passed", runs: 2 });
    expect(calls).toEqual(["coder", "tester", "debugger-1"]);
    expect(events.slice(2)).toEqual(["step.running:1", "sandbox.command:failed", "debug.started:1", "edit.applied:debugger", "step.running:2", "sandbox.command:passed"]);
  });

  it("stops at the debug cap with the last failure as the reason", async () => {
    const { ports, calls } = fakes({ runs: [false, false, false, true] });
    const outcome = await executeCodeStep(step, ports);
    expect(outcome).toEqual({ id: "s1", status: "failed", runs: 3, reason: "tests still fail after 2 debug attempt(s): 1 test failed" });
    expect(calls).toEqual(["coder", "tester", "debugger-1", "debugger-2"]);
  });

  it("gives the coder one corrected edit, then fails the step if that is rejected too", async () => {
    const retried = fakes({ runs: [true], rejectEdits: (edit, by) => (by === "coder" && !retried.calls.includes("coder-retry") ? "hunk does not apply" : undefined) });
    expect(await executeCodeStep(step, retried.ports)).toMatchObject({ status: "passed", runs: 1 });
    // The tester of a new file is asked alongside the coder, so it comes before the coder's retry.
    expect(retried.calls).toEqual(["coder", "tester", "coder-retry"]);

    const rejected = fakes({ runs: [true], rejectEdits: (_edit, by) => (by === "coder" ? "hunk does not apply" : undefined) });
    expect(await executeCodeStep(step, rejected.ports)).toEqual({ id: "s1", status: "failed", runs: 0, reason: "the coder's edit to calc.py could not be applied: hunk does not apply" });
    expect(rejected.events).toEqual(["edit.rejected:coder", "edit.rejected:coder"]);
  });

  it("fails when the debugger's fix cannot be applied twice", async () => {
    const { ports, calls } = fakes({ runs: [false], rejectEdits: (_edit, by) => (by === "debugger" ? "no such lines" : undefined) });
    expect(await executeCodeStep(step, ports)).toEqual({ id: "s1", status: "failed", runs: 1, reason: "the debugger's fix could not be applied twice" });
    expect(calls).toEqual(["coder", "tester", "debugger-1", "debugger-1"]);
  });

  it("stops on a cancel before the next sandbox run or model call", async () => {
    const { ports, calls, events } = fakes({ runs: [false, true], stopAfterRuns: 1 });
    await expect(executeCodeStep(step, ports)).rejects.toThrow("The run was cancelled");
    expect(calls).toEqual(["coder", "tester"]);
    expect(events.filter((e) => e.startsWith("sandbox.command"))).toHaveLength(1);
  });

  it("stops on a spent budget with the budget's error", async () => {
    const budget = new BudgetExceededError("tokens", 100, 150);
    const { ports, calls } = fakes({ runs: [false, true], stopAfterRuns: 1, stopWith: budget });
    await expect(executeCodeStep(step, ports)).rejects.toBe(budget);
    expect(calls).not.toContain("debugger-1");
  });

  it("writes, but does not run, a file that is not Python; a tester step needs its file to exist", async () => {
    const { ports } = fakes({ runs: [] });
    expect(await executeCodeStep({ ...step, file: "README.md" }, { ...ports, testPath: undefined })).toEqual({ id: "s1", status: "applied", runs: 0, reason: "README.md has no tests to run: written, not executed" });
    expect(await executeCodeStep({ ...step, agent: "tester", file: "missing.py" }, ports)).toEqual({ id: "s1", status: "failed", runs: 0, reason: "missing.py does not exist, so there is nothing to test" });
  });
});

/** The real agents over HTTP against the fake model, answering after 300 ms; the sandbox and files stay fakes. */
describe("the independent tester (real agents, fake model over HTTP)", () => {
  const MARK = "# coder-output-7f3a";
  const CODE = `def add(a, b):\n    return a + b  ${MARK}\n`;
  const INTERFACE = "def add(a: int, b: int) -> int";
  let llm: FakeLlm;
  let ctx: AgentContext;
  beforeAll(async () => {
    llm = await startFakeLlm({ latencyMs: 300 });
    const settings = { ...resolveModelSettings(parseEnv({ LLM_MODE: "litellm", LITELLM_URL: llm.url })), maxRetries: 0, timeoutMs: 30_000 };
    ctx = { llm: createLlmClient({ settings }), runId: "independent-tester" };
  });
  afterAll(() => llm.close());

  const withModel = (options: Parameters<typeof fakes>[0], overrides: Partial<CodeStepPorts> = {}) => {
    const made = fakes(options);
    const agents: CodeStepAgents = { writeCode, writeTests, debugFailure };
    return { ...made, ports: { ...made.ports, agents, ctx, ...overrides } };
  };
  const scriptCoder = () => llm.script("coder", `File: calc.py\n\`\`\`python\n${CODE}\`\`\`\n`);
  const last = (role: string): RecordedRequest => llm.requests.filter((r) => r.role === role).at(-1)!;
  const prompt = (request: RecordedRequest) => (request.body.messages ?? []).map((m) => m.content).join("\n");

  it("for a new file, asks the tester while the coder is answering, from the task and the interface, never the code", async () => {
    scriptCoder();
    const { ports, files, events } = withModel({ runs: [true] });
    const outcome = await executeCodeStep({ ...step, interface: INTERFACE }, ports);
    expect(outcome).toEqual({ id: "s1", status: "passed", runs: 1 });
    const [coder, tester] = [last("coder"), last("tester")];
    // Overlap: the tester's request arrived before the coder's answer was finished.
    expect(tester.receivedAt).toBeLessThan(coder.answeredAt!);
    expect(prompt(tester)).not.toContain(MARK);
    expect(prompt(tester)).not.toContain("return a + b");
    expect(prompt(tester)).toContain(INTERFACE);
    expect(prompt(tester)).toContain("you do not see its code");
    // The coder is held to the same interface.
    expect(prompt(coder)).toContain(INTERFACE);
    expect(files.get("calc.py")).toBe(CODE);
    expect(events.slice(0, 2)).toEqual(["edit.applied:coder", "edit.applied:tester:independent"]);
  });

  it("for an existing file, the tester comes after the coder and sees the file as it now is", async () => {
    scriptCoder();
    const { ports, files, events } = withModel({ runs: [true] });
    files.set("calc.py", "def add(a, b):\n    return 0\n");
    expect(await executeCodeStep(step, ports)).toMatchObject({ status: "passed" });
    const [coder, tester] = [last("coder"), last("tester")];
    expect(tester.receivedAt).toBeGreaterThanOrEqual(coder.answeredAt!);
    expect(prompt(tester)).toContain(MARK);
    expect(events.slice(0, 2)).toEqual(["edit.applied:coder", "edit.applied:tester"]);
  });

  it("testerAfterCoder (the bench's comparison point) keeps the old order for a new file", async () => {
    scriptCoder();
    const { ports } = withModel({ runs: [true] }, { testerAfterCoder: true });
    expect(await executeCodeStep(step, ports)).toMatchObject({ status: "passed" });
    expect(last("tester").receivedAt).toBeGreaterThanOrEqual(last("coder").answeredAt!);
    expect(prompt(last("tester"))).toContain(MARK);
  });

  it("a coder that fails leaves no tester call running and writes no tests", async () => {
    llm.script("coder", { status: 400, message: "bad request" });
    const testersBefore = llm.requests.filter((r) => r.role === "tester").length;
    const { ports, files } = withModel({ runs: [true] });
    await expect(executeCodeStep(step, ports)).rejects.toThrow();
    expect(llm.requests.filter((r) => r.role === "tester")).toHaveLength(testersBefore + 1);
    expect(last("tester").answeredAt).toBeDefined();
    expect(files.has("test_calc.py")).toBe(false);
  });
});
