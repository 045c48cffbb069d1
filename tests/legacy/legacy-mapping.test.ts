import { describe, expect, it } from "vitest";
import { validatePlan } from "@/server/agents/plan";
import { AppError } from "@/server/errors";
import { decodeSseChunk, encodeSseChunk, LegacyChunker, sseEvent, sseEventAs, sseFormatOf } from "@/server/legacy/legacy-chunks";
import { projectIdOf } from "@/server/legacy/legacy-http";
import { fileForDescription, legacyStepsToPlan, type TLegacyRunStep } from "@/server/legacy/legacy-input";
import { legacyParallelResults, legacyRunResults } from "@/server/legacy/legacy-results";
import type { StoredEvent } from "@/server/runs/run-events";

const TOOLS = ["git_clone", "run_tests"] as const;

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof AppError) return `${error.code}: ${error.message}`;
    throw error;
  }
  return "OK";
}

let seq = 0;
const event = (type: string, payload: Record<string, unknown> = {}): StoredEvent => ({ seq: ++seq, type, payload, createdAt: new Date(0) });

describe("SSE chunk encoding", () => {
  it("keeps every chunk on one data: line and decodes back exactly, backslashes included", () => {
    const chunk = 'def f():\n    return "a\\nb"\r\n\\';
    const wire = sseEvent(chunk);
    expect(wire.startsWith("data: ")).toBe(true);
    expect(wire.endsWith("\n\n")).toBe(true);
    expect(wire.slice(0, -2)).not.toMatch(/[\r\n]/);
    expect(decodeSseChunk(encodeSseChunk(chunk))).toBe(chunk);
    expect(encodeSseChunk("a\nb")).toBe("a\\nb");
    expect(encodeSseChunk("a\\nb")).toBe("a\\\\nb");
  });
  it("sends the original's ↵ by default and a lossless JSON string with ?format=json", () => {
    const chunk = "def f():\n    return 1\r\nend\r";
    expect(sseEventAs(chunk, "arrow")).toBe("data: def f():↵    return 1↵end↵\n\n");
    const json = sseEventAs(chunk, "json");
    expect(json.slice(0, -2)).not.toMatch(/[\r\n]/);
    expect(JSON.parse(json.slice("data: ".length))).toBe(chunk);
    expect(sseFormatOf("http://x/api/agent/stream")).toBe("arrow");
    expect(sseFormatOf("http://x/api/agent/stream?format=json")).toBe("json");
    expect(sseFormatOf("http://x/api/agent/stream?format=xml")).toBeNull();
  });
});

describe("the original /run_parallel steps as a plan", () => {
  it("numbers steps s1, s2, ..., names coder files after their description and runs steps without dependencies in parallel", () => {
    const steps: TLegacyRunStep[] = [
      { agent: "coder", description: "Create user model" },
      { agent: "coder", description: "Create user model" },
      { agent: "tool", tool_name: "git_clone", tool_params: { url: "https://example.com/x.git", dest: "lib" } },
      { agent: "tester", description: "Test calc", file: "calc.py" },
    ];
    const plan = legacyStepsToPlan(steps, TOOLS);
    expect(plan.steps.map((s) => s.id)).toEqual(["s1", "s2", "s3", "s4"]);
    expect(plan.steps.map((s) => s.file)).toEqual(["create_user_model.py", "create_user_model_2.py", undefined, "calc.py"]);
    expect(plan.steps[2]).toMatchObject({ agent: "tool", tool_name: "git_clone", description: "Run git_clone", tool_params: { dest: "lib" } });
    const checked = validatePlan(plan, { tools: [...TOOLS] });
    expect(checked.ok).toBe(true);
    if (checked.ok) expect(checked.value.steps.every((s) => s.depends_on.length === 0)).toBe(true);
  });

  it("keeps explicit dependencies and ids", () => {
    const plan = legacyStepsToPlan(
      [
        { id: "model", agent: "coder", description: "Model", file: "models.py" },
        { id: 2, agent: "coder", description: "API", file: "api.py", depends_on: ["model"] },
      ],
      TOOLS,
    );
    expect(plan.steps.map((s) => [s.id, s.depends_on])).toEqual([
      ["model", []],
      ["2", ["model"]],
    ]);
  });

  it("refuses what cannot run, saying which step and how to fix it", () => {
    expect(refusal(() => legacyStepsToPlan([{ agent: "tester", description: "Test it" }], TOOLS))).toMatch(/^BAD_REQUEST: steps\.0: a tester step needs `file`/);
    expect(refusal(() => legacyStepsToPlan([{ agent: "tool", tool_name: "rm_rf" }], TOOLS))).toMatch(/unknown tool "rm_rf"; available: git_clone, run_tests/);
    expect(refusal(() => legacyStepsToPlan([{ agent: "tool" }], TOOLS))).toMatch(/needs tool_name/);
    expect(refusal(() => legacyStepsToPlan([{ agent: "tool", tool_name: "git_clone" }], null))).toMatch(/ENABLE_TOOL_USE=false/);
    expect(refusal(() => legacyStepsToPlan([{ agent: "coder" }], TOOLS))).toMatch(/describe the step/);
  });

  it("derives safe, unique file names", () => {
    const taken = new Set(["a.py"]);
    expect(fileForDescription("A", taken)).toBe("a_2.py");
    expect(fileForDescription("../../etc/passwd", taken)).toBe("etc_passwd.py");
    expect(fileForDescription("2 phase commit", taken)).toBe("step_2_phase_commit.py");
    expect(fileForDescription("!!!", taken)).toBe("step.py");
  });
});

describe("choosing the project", () => {
  it("takes the header first, then the body, and otherwise says how to pass it", () => {
    expect(projectIdOf("p-header", "p-body")).toBe("p-header");
    expect(projectIdOf(null, "p-body")).toBe("p-body");
    expect(refusal(() => projectIdOf(null, undefined))).toMatch(/^BAD_REQUEST: .*X-Project-Id.*project_id/);
    expect(refusal(() => projectIdOf("  ", 42))).toMatch(/project_id must be a string/);
  });
});

describe("the run's record in the original shapes", () => {
  const plan = event("plan.created", {
    steps: [
      { id: "s1", agent: "coder", description: "Write the function", file: "calc.py", depends_on: [] },
      { id: "s2", agent: "tool", description: "Run git_status", tool_name: "git_status", depends_on: [] },
    ],
  });
  const record = [
    event("run.queued"),
    plan,
    event("llm.tokens", { stepId: "s1", role: "coder", text: "def add" }),
    event("edit.applied", { stepId: "s1", by: "coder", path: "calc.py", kind: "write", content: "def add(a, b):\n    return a + b\n" }),
    event("edit.applied", { stepId: "s1", by: "tester", path: "test_calc.py", kind: "write", content: "def test_add(): ..." }),
    event("sandbox.command", { stepId: "s1", command: "pytest test_calc.py", exitCode: 0, passed: true, stdout: "1 passed in 0.3s\n", stderr: "" }),
    event("tool.executed", { stepId: "s2", name: "git_status", ok: true, exitCode: 0, output: "clean" }),
    event("verdict", { verdict: "PASS", reasons: ["tests pass"] }),
    event("run.finished", { status: "succeeded", reason: null, verdict: { verdict: "PASS" }, verification: { outcome: "verified" } }),
  ];

  it("maps edits to code, commands to test output with the exit code, tools, and the verdict to review", () => {
    const results = legacyRunResults(record);
    expect(results.map((r) => [r.type, r.step])).toEqual([
      ["code", "Write the function"],
      ["code", "Write the function"],
      ["test", "Run tests: Write the function"],
      ["tool", "Run git_status"],
      ["review", "Critic review"],
    ]);
    expect(results[0]).toMatchObject({ output: "def add(a, b):\n    return a + b\n", file: "calc.py" });
    expect(results[2]).toMatchObject({ output: "1 passed in 0.3s\n(exit code 0)", exit_code: 0 });
    expect(results[4]!.output).toBe("PASS\n- tests pass");
  });

  it("ends a failed run without a verdict with an error entry giving the reason", () => {
    const failed = [...record.slice(0, 6), event("run.finished", { status: "failed", reason: "step s1 failed: tests still fail" })];
    expect(legacyRunResults(failed).at(-1)).toEqual({ step: "Run", output: "FAILED: step s1 failed: tests still fail", type: "error", step_id: null });
  });

  it("gives one /run_parallel result per step: the final file for code, {stdout, returncode} for tools", async () => {
    const results = await legacyParallelResults(record, async (path) => (path === "calc.py" ? "final content" : null));
    expect(results).toEqual(["final content", { stdout: "clean", returncode: 0 }]);
    const skipped = [plan, event("step.finished", { stepId: "s2", status: "skipped", reason: "depends on s1, which failed" })];
    // Never null (the original's null crashed its clients): a step that did not run says so and why.
    const [coder, tool] = await legacyParallelResults(skipped, async () => null);
    expect(coder).toEqual({ step: expect.any(String), output: null, type: "skipped", reason: expect.any(String) });
    expect(tool).toMatchObject({ output: null, type: "skipped", reason: "depends on s1, which failed" });
  });

  it("streams tokens with a header when the speaker changes, status lines on fresh lines, and a closing line", () => {
    const chunker = new LegacyChunker();
    const chunks = [
      ...record,
      event("llm.tokens", { stepId: null, role: "critic", text: "PA" }),
      event("llm.tokens", { stepId: null, role: "critic", text: "SS" }),
    ].flatMap((e) => chunker.chunksFor(e));
    const text = chunks.join("");
    expect(chunks).toContain("def add");
    expect(text).toContain("💬 [s1] coder: def add\n✏️ [s1] coder wrote calc.py\n");
    expect(text).toContain("$ pytest test_calc.py  -> exit 0, passed\n");
    expect(text).toContain("✅ Done.");
    expect(text.endsWith("💬 critic: PASS")).toBe(true);
    const failed = new LegacyChunker().chunksFor(event("run.finished", { status: "failed", reason: "the critic rejected it" }));
    expect(failed).toEqual(["❌ Failed: the critic rejected it\n"]);
  });
});
