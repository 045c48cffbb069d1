import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requireDocker } from "@/server/sandbox/docker-test-guard";
import { defaultTestFor, type FakeLlm } from "@/tests/fake-llm/fake-llm-server";
import { startTestRunner, waitForRunEnd, type TestRunner } from "@/tests/helpers/test-runner";
import { callerFor, createTestUser, testDb } from "../helpers/db";

const dockerReady = await requireDocker("NUL bytes in the record (database + sandbox)");

type Payload = Record<string, unknown> & { escaped?: string[] };

describe.skipIf(!dockerReady)("NUL bytes and lone surrogates reach the event log and the record stays complete", () => {
  let llm: FakeLlm;
  let testRunner: TestRunner | undefined;
  let owner: Awaited<ReturnType<typeof createTestUser>>;
  let projectId: string;

  beforeAll(async () => {
    testRunner = await startTestRunner({ maxRetries: 1 });
    llm = testRunner.llm;
    owner = await createTestUser("nul-owner");
    projectId = (await callerFor(owner.id).project.create({ name: "nul" })).id;
  });

  afterAll(async () => {
    await testRunner?.stop();
  });

  it("in a plan's file name, the model's answer, sandbox output and tool output", async () => {
    // 1. A plan whose path holds a NUL: the planner is told why (repair) and answers again.
    llm.script("planner", JSON.stringify({ steps: [{ id: "s1", agent: "coder", description: "Write add", file: "calc\u0000.py" }] }));
    llm.script(
      "planner",
      JSON.stringify({
        steps: [
          { id: "s1", agent: "coder", description: "Write add(a, b) in calc.py", file: "calc.py" },
          { id: "s2", agent: "tool", description: "Print a NUL", tool_name: "shell", tool_params: { argv: ["python3", "-c", "print('tool'+chr(0)+'out')"] }, depends_on: ["s1"] },
        ],
      }),
    );
    // 2. Sandbox output: a passing test that writes a NUL past pytest's capture.
    const test = defaultTestFor("calc").replace("def test_add():", "def test_add(capsys):\n    with capsys.disabled():\n        print('noise' + chr(0) + 'here')");
    llm.script("tester", `\`\`\`python\n${test}\`\`\`\n`);
    // 3. The model's own answer: a raw NUL and a lone surrogate around the verdict.
    llm.script("critic", `Verdict\u0000 \uD800follows: ${JSON.stringify({ verdict: "PASS", reasons: ["fine\u0000 really"] })}`);

    const { runId } = await callerFor(owner.id).task.create({ projectId, prompt: "Write add(a, b) in calc.py" });
    const run = await waitForRunEnd(runId);
    expect(run.statusReason).toBeNull();
    expect(run.status).toBe("SUCCEEDED");

    const events = await testDb().runEvent.findMany({ where: { runId }, orderBy: { seq: "asc" } });
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    const of = (type: string) => events.filter((e) => e.type === type).map((e) => e.payload as Payload);

    const repair = of("agent.repair")[0]!;
    // The message names the path escaped (JSON), so it is stored as it was sent to the model.
    expect(repair).toMatchObject({ role: "planner" });
    expect(repair.error).toContain("calc\\u0000.py");
    const secondPlanner = llm.requests.filter((r) => r.role === "planner" && r.runId === runId)[1]!;
    expect(secondPlanner.body.messages!.at(-1)!.content).toMatch(/NUL/);

    const pytest = of("sandbox.command").find((c) => String(c.stdout).includes("noise"))!;
    expect(pytest.stdout).toContain("noise\\u0000here");
    expect(pytest.escaped).toEqual(["stdout"]);

    const tool = of("tool.executed")[0]!;
    expect(tool).toMatchObject({ stepId: "s2", command: "python3 -c \"print('tool'+chr(0)+'out')\"", ok: true, exitCode: 0, escaped: ["output"] });
    expect(tool.output).toContain("tool\\u0000out");

    const critic = of("llm.tokens").filter((t) => t.role === "critic").map((t) => String(t.text)).join("");
    expect(critic).toContain("Verdict\\u0000 \\ud800follows");
    expect(of("verdict")[0]).toEqual({ verdict: "PASS", reasons: ["fine\\u0000 really"], escaped: ["reasons.0"] });

    // The final record names every command that ran, the tool's included.
    const finished = of("run.finished")[0]!;
    const commands = (finished.verification as { commands: { stepId: string; command: string }[] }).commands;
    expect(commands.map((c) => c.stepId)).toContain("s2");
    expect(finished.escaped).toEqual(["verdict.reasons.0"]);
  });
});
