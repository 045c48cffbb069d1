import { describe, expect, it } from "vitest";
import { AppError } from "@/server/errors";
import { writeCode } from "@/server/agents/coder";
import { reviewRun } from "@/server/agents/critic";
import { debugFailure } from "@/server/agents/debugger";
import { extractJson, parseFencedBlocks } from "@/server/agents/parse-model-output";
import { validatePlan } from "@/server/agents/plan";
import { planTask } from "@/server/agents/planner";
import { testPathFor, writeTests } from "@/server/agents/tester";
import { scriptedLlm } from "@/tests/agents/scripted-llm";

const ctxWith = (...answers: string[]) => {
  const llm = scriptedLlm(...answers);
  const repairs: string[] = [];
  return { llm, repairs, ctx: { llm, runId: "r1", onRepair: (_: string, error: string) => repairs.push(error) } };
};
const plannerInput = { task: "Add a calculator", contextFiles: [], memories: [], snippets: [] };

describe("extractJson", () => {
  it("reads bare JSON, fenced JSON and JSON wrapped in prose", () => {
    expect(extractJson('{"a":1}')).toEqual({ ok: true, value: { a: 1 } });
    expect(extractJson('Here you go:\n```json\n{"a":2}\n```\nDone.')).toEqual({ ok: true, value: { a: 2 } });
    expect(extractJson('Sure! The plan is {"a":3} as asked.')).toEqual({ ok: true, value: { a: 3 } });
  });
  it("says precisely what is wrong", () => {
    expect(extractJson("")).toMatchObject({ ok: false, error: expect.stringMatching(/empty/) });
    expect(extractJson('{"a":')).toMatchObject({ ok: false, error: expect.stringMatching(/invalid JSON/) });
    expect(extractJson("no json here")).toMatchObject({ ok: false, error: expect.stringMatching(/no JSON/) });
  });
});

describe("parseFencedBlocks", () => {
  it("finds blocks and the file named above each", () => {
    const parsed = parseFencedBlocks("File: a.py\n```python\nx = 1\n```\n\n**File:** `b/c.py`\n```py\ny = 2\n```");
    expect(parsed).toEqual({
      ok: true,
      value: [
        { lang: "python", path: "a.py", body: "x = 1\n" },
        { lang: "py", path: "b/c.py", body: "y = 2\n" },
      ],
    });
  });
  it("rejects an unclosed block (a cut answer)", () => {
    expect(parseFencedBlocks("```python\nx = 1\n")).toMatchObject({ ok: false, error: expect.stringMatching(/never closed/) });
  });
});

describe("validatePlan", () => {
  const step = (extra: object) => ({ agent: "coder", description: "d", file: "a.py", ...extra });
  const error = (raw: unknown) => {
    const result = validatePlan(raw, { tools: ["run_command"] });
    return result.ok ? "valid" : result.error;
  };
  it("fills ids and derives dependencies from list order, groups or depends_on", () => {
    const ordered = validatePlan({ steps: [step({}), step({ file: "b.py" })] });
    expect(ordered.ok && ordered.value.steps.map((s) => [s.id, s.depends_on])).toEqual([["s1", []], ["s2", ["s1"]]]);
    const grouped = validatePlan({ steps: [step({ id: "a", group: 0 }), step({ id: "b", group: 0 }), step({ id: "c", group: 1 })] });
    expect(grouped.ok && grouped.value.steps.map((s) => s.depends_on)).toEqual([[], [], ["a", "b"]]);
    const explicit = validatePlan({ steps: [step({ id: 1 }), step({ id: 2 }), step({ id: 3, depends_on: [1, 2] })] });
    expect(explicit.ok && explicit.value.steps.map((s) => s.depends_on)).toEqual([[], [], ["1", "2"]]);
  });
  it("rejects every kind of broken plan with a precise message", () => {
    expect(error({ steps: [] })).toMatch(/no steps/);
    expect(error({ steps: [step({ id: "a" }), step({ id: "a" })] })).toMatch(/"a" is used twice/);
    expect(error({ steps: [step({ id: "a", depends_on: ["zz"] })] })).toMatch(/depends on "zz", which is not a step id/);
    expect(error({ steps: [step({ id: "a", depends_on: ["b"] }), step({ id: "b", depends_on: ["a"] })] })).toMatch(/cycle: a -> b -> a/);
    expect(error({ steps: [{ agent: "tool", description: "x" }] })).toMatch(/without tool_name/);
    expect(error({ steps: [{ agent: "tool", description: "x", tool_name: "rm_rf" }] })).toMatch(/unknown tool "rm_rf"/);
    expect(error({ steps: [step({ file: "../etc/passwd" })] })).toMatch(/climbs out/);
    expect(error({ steps: [step({ file: undefined })] })).toMatch(/has no file/);
    expect(error({ steps: [{ agent: "writer", description: "x" }] })).toMatch(/schema/);
    expect(error({ steps: [step({ id: "a", depends_on: ["a"] })] })).toMatch(/depends on itself/);
  });
});

describe("planner", () => {
  it("accepts a fenced plan in prose", async () => {
    const { ctx } = ctxWith('Plan:\n```json\n{"steps":[{"id":"s1","agent":"coder","description":"add","file":"calc.py"}]}\n```');
    const { plan, repaired } = await planTask(ctx, plannerInput);
    expect(repaired).toBe(false);
    expect(plan.steps[0]).toMatchObject({ id: "s1", file: "calc.py", depends_on: [] });
  });
  it("sends the validation error back once and uses the repaired plan", async () => {
    const { ctx, llm, repairs } = ctxWith(
      '{"steps":[{"id":"a","agent":"coder","description":"x","file":"a.py","depends_on":["b"]}]}',
      '{"steps":[{"id":"a","agent":"coder","description":"x","file":"a.py"}]}',
    );
    const { plan, repaired } = await planTask(ctx, plannerInput);
    expect(repaired).toBe(true);
    expect(plan.steps).toHaveLength(1);
    expect(repairs[0]).toMatch(/depends on "b"/);
    const repairPrompt = llm.requests[1]!.messages.at(-1)!.content;
    expect(repairPrompt).toContain('depends on "b", which is not a step id');
    expect(llm.requests[1]!.messages.at(-2)).toMatchObject({ role: "assistant" });
    expect(llm.requests[0]!.json).toBe(true);
  });
  it("fails clearly after one failed repair", async () => {
    const { ctx } = ctxWith("not json", '{"steps": []}');
    const error = await planTask(ctx, plannerInput).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).message).toMatch(/planner gave no usable plan twice: the plan has no steps/);
  });
  it("lists the available tools in the prompt", async () => {
    const { ctx, llm } = ctxWith('{"steps":[{"agent":"tool","description":"lint","tool_name":"lint"}]}');
    await planTask(ctx, { ...plannerInput, tools: [{ name: "lint", description: "runs ruff" }] });
    expect(llm.requests[0]!.messages[1]!.content).toContain("- lint: runs ruff");
  });
});

describe("coder", () => {
  const input = { task: "t", step: { id: "s1", description: "d", file: "calc.py" }, relatedFiles: [] };
  it("returns a write for a new file", async () => {
    const { ctx } = ctxWith("Here:\n```python\ndef add(a, b):\n    return a + b\n```\nThat's it.");
    expect(await writeCode(ctx, { ...input, currentContent: null })).toEqual({ kind: "write", path: "calc.py", content: "def add(a, b):\n    return a + b\n" });
  });
  it("returns a patch for an existing file", async () => {
    const diff = "--- a/calc.py\n+++ b/calc.py\n@@ -1,2 +1,2 @@\n def add(a, b):\n-    return a - b\n+    return a + b\n";
    const { ctx } = ctxWith(`\`\`\`diff\n${diff}\`\`\``);
    expect(await writeCode(ctx, { ...input, currentContent: "def add(a, b):\n    return a - b\n" })).toEqual({ kind: "patch", path: "calc.py", diff });
  });
  it("feeds back a missing block, and a diff for a file that does not exist", async () => {
    const { ctx, repairs } = ctxWith("I would write an add function.", "```diff\n--- a/calc.py\n+++ b/calc.py\n@@ -0,0 +1 @@\n+x\n```");
    const error = await writeCode(ctx, { ...input, currentContent: null }).catch((e: unknown) => e);
    expect(repairs).toEqual(["the answer has no fenced code block"]);
    expect((error as Error).message).toMatch(/does not exist yet, so a diff cannot apply/);
  });
  it("shows a failed edit back to the model", async () => {
    const { ctx, llm } = ctxWith("```python\nx = 1\n```");
    await writeCode(ctx, { ...input, currentContent: "y = 2\n", previousFailure: { edit: { kind: "patch", path: "calc.py", diff: "@@ bad" }, error: "hunk 1 does not match line 3" } });
    expect(llm.requests[0]!.messages.at(-1)!.content).toContain("hunk 1 does not match line 3");
  });
});

describe("tester", () => {
  it("writes test_<module>.py next to the module", async () => {
    expect(testPathFor("pkg/calc.py")).toBe("pkg/test_calc.py");
    const { ctx } = ctxWith("```python\nfrom calc import add\n\ndef test_add():\n    assert add(1, 2) == 3\n```");
    const result = await writeTests(ctx, { task: "t", step: { id: "s1", description: "d" }, codePath: "calc.py", code: "def add(a,b): return a+b", existingTests: null });
    expect(result.path).toBe("test_calc.py");
    expect(result.content).toContain("def test_add()");
  });
  it("rejects a file with no test in it", async () => {
    const { ctx } = ctxWith("```python\nprint('hi')\n```", "```python\nprint('still no test')\n```");
    await expect(writeTests(ctx, { task: "t", step: { id: "s1", description: "d" }, codePath: "calc.py", code: "", existingTests: null })).rejects.toThrow(/defines no pytest test/);
  });
});

describe("debugger", () => {
  const input = {
    task: "t",
    step: { id: "s1", description: "d" },
    codePath: "calc.py",
    testPath: "test_calc.py",
    files: [
      { path: "calc.py", content: "def add(a, b):\n    return a - b\n" },
      { path: "test_calc.py", content: "from calc import add\ndef test_add():\n    assert add(2, 3) == 5\n" },
    ],
    execution: { command: "pytest", exitCode: 1, timedOut: false, oomKilled: false, stdout: "1 failed", stderr: "", failures: [{ name: "test_add", message: "assert -1 == 5" }] },
    attempt: 1,
    maxAttempts: 3,
  };
  it("sends the real failure and returns edits for the code", async () => {
    const { ctx, llm } = ctxWith("The sign is wrong.\nFile: calc.py\n```python\ndef add(a, b):\n    return a + b\n```");
    const out = await debugFailure(ctx, input);
    expect(out).toEqual({ edits: [{ kind: "write", path: "calc.py", content: "def add(a, b):\n    return a + b\n" }], changedTests: false });
    expect(llm.requests[0]!.messages[1]!.content).toContain("- test_add: assert -1 == 5");
    expect(llm.requests[0]!.messages[1]!.content).toContain("Exit code: 1");
  });
  it("flags test changes and refuses files outside the step", async () => {
    const { ctx } = ctxWith("File: test_calc.py\n```python\ndef test_add():\n    pass\n```");
    expect((await debugFailure(ctx, input)).changedTests).toBe(true);
    const bad = ctxWith("File: /etc/hosts\n```\nx\n```", "File: other.py\n```python\nx\n```");
    await expect(debugFailure(bad.ctx, input)).rejects.toThrow(/other.py may not be changed/);
  });
});

describe("critic", () => {
  const input = { task: "t", planSummary: "s1", files: [], verification: "pytest exit 0" };
  it("parses a verdict, tolerating case and fences", async () => {
    const { ctx } = ctxWith('```json\n{"verdict":"pass","reasons":["ok"]}\n```');
    expect(await reviewRun(ctx, input)).toEqual({ verdict: "PASS", reasons: ["ok"] });
  });
  it("repairs once, then fails", async () => {
    const { ctx, repairs } = ctxWith('{"verdict":"MAYBE"}', '{"verdict":"FAIL","reasons":["no edge cases"]}');
    expect(await reviewRun(ctx, input)).toEqual({ verdict: "FAIL", reasons: ["no edge cases"] });
    expect(repairs[0]).toMatch(/verdict/);
    const twice = ctxWith("LGTM", "Looks good to me!");
    await expect(reviewRun(twice.ctx, input)).rejects.toThrow(AppError);
  });
});
