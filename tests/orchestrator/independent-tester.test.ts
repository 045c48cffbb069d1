import { describe, expect, it } from "vitest";
import { requireDocker } from "@/server/sandbox/docker-test-guard";
import type { RecordedRequest } from "@/tests/fake-llm/fake-llm-server";
import { useOrchestratorHarness } from "@/tests/orchestrator/harness-suite";

const dockerReady = await requireDocker("the independent tester");

const MARK = "# written-by-the-coder-91c2";
const CODE = `def add(a, b):\n    return a + b  ${MARK}\n`;
const INTERFACE = "def add(a: int, b: int) -> int";
const PLAN = JSON.stringify({ steps: [{ id: "s1", agent: "coder", description: "Write add(a, b) in calc.py", file: "calc.py", interface: INTERFACE }] });
const prompt = (request: RecordedRequest) => (request.body.messages ?? []).map((m) => m.content).join("\n");

describe.skipIf(!dockerReady)("the independent tester in a real run (real sandbox, fake model over HTTP)", () => {
  const suite = useOrchestratorHarness({ poolSize: 1 });

  it("the tester's request overlaps the coder's, carries no coder output, and its tests verify the code", async () => {
    // Every answer takes 300 ms, so overlapping requests are visible in the arrival and answer times.
    const h = await suite.harness({ git: true, latencyMs: 300 });
    h.llm.script("planner", PLAN);
    h.llm.script("coder", `File: calc.py\n\`\`\`python\n${CODE}\`\`\`\n`);
    const runId = "independent-tester";
    const outcome = await h.run({ runId });
    expect(outcome.status).toBe("succeeded");
    expect(outcome.verification.outcome).toBe("verified");

    const coder = h.llm.requests.filter((r) => r.role === "coder");
    const tester = h.llm.requests.filter((r) => r.role === "tester");
    expect(coder).toHaveLength(1);
    expect(tester).toHaveLength(1);
    // Concurrent: the tester was asked before the coder's answer was finished.
    expect(tester[0]!.receivedAt).toBeLessThan(coder[0]!.answeredAt!);
    // Independent: nothing the coder wrote reaches the tester; the planned interface does.
    expect(prompt(tester[0]!)).not.toContain(MARK);
    expect(prompt(tester[0]!)).not.toContain("return a + b");
    expect(prompt(tester[0]!)).toContain(INTERFACE);

    const testEdit = h.events.ofRun(runId).find((e) => e.type === "edit.applied" && e.payload.by === "tester");
    expect(testEdit?.payload).toMatchObject({ path: "test_calc.py", independent: true });
    // The interface is part of the recorded plan, so an approved or replayed plan keeps it.
    const planned = h.events.ofRun(runId).find((e) => e.type === "plan.created")!.payload as { steps: { interface?: string }[] };
    expect(planned.steps[0]!.interface).toBe(INTERFACE);
    // The independently written tests ran against the coder's code in the sandbox and passed.
    expect(outcome.verification.tests.map((t) => [t.name, t.status])).toEqual([
      ["test_add", "passed"],
      ["test_add_rejects_none", "passed"],
    ]);
  });
});
