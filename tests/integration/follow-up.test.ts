import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { requireDocker } from "@/server/sandbox/docker-test-guard";
import { useRunnerProject } from "@/tests/helpers/runner-project";
import { waitForRunEnd } from "@/tests/helpers/test-runner";
import { callerFor, testDb } from "../helpers/db";
import { codeOf } from "../helpers/trpc-errors";

const dockerReady = await requireDocker("follow-ups (database + sandbox)");

function git(repoPath: string, ...args: string[]): string {
  return execFileSync("git", args, { cwd: repoPath, encoding: "utf8" }).trim();
}

describe.skipIf(!dockerReady)("follow-ups: a run's thread continues on its branch", () => {
  const ctx = useRunnerProject("thread");

  it("starts the second turn from the first turn's commit, tells the planner about the first turn, and keeps both commits on the branch", async () => {
    const llm = ctx.runner.llm;
    const as = callerFor(ctx.owner.id);
    const first = await as.task.create({ projectId: ctx.projectId, prompt: "Write add(a, b) in calc.py with tests" });
    const firstRun = await waitForRunEnd(first.runId);
    expect(firstRun.status).toBe("SUCCEEDED");
    expect(firstRun.headCommit).toBeTruthy();
    expect(firstRun.headCommit).not.toBe(firstRun.baseCommit);

    llm.script("planner", JSON.stringify({ steps: [{ id: "s1", agent: "coder", description: "Write add(a, b) in more.py", file: "more.py" }] }));
    const plannerCallsBefore = llm.requests.filter((r) => r.role === "planner").length;
    const second = await as.task.followUp({ runId: first.runId, prompt: "Now also add more.py with the same add" });
    expect(second.threadId).toBe(first.runId);
    const secondRun = await waitForRunEnd(second.runId);
    expect(secondRun.statusReason).toBeNull();
    expect(secondRun.status).toBe("SUCCEEDED");
    expect(secondRun.parentRunId).toBe(first.runId);
    expect(secondRun.baseCommit).toBe(firstRun.headCommit);

    const plannerRequest = llm.requests.filter((r) => r.role === "planner")[plannerCallsBefore]!;
    const sent = JSON.stringify(plannerRequest.body.messages);
    expect(sent).toContain("Write add(a, b) in calc.py with tests");
    expect(sent).toContain("Now also add more.py with the same add");
    expect(sent).toContain("Critic's verdict: PASS");
    expect(sent).toMatch(/calc\.py \(added, \+\d+ -0\)/);

    const { repoPath } = await testDb().project.findUniqueOrThrow({ where: { id: ctx.projectId } });
    const files = git(repoPath, "ls-tree", "-r", "--name-only", secondRun.branch!).split("\n");
    expect(files).toEqual(expect.arrayContaining(["calc.py", "test_calc.py", "more.py"]));
    // Both turns' commits are on the second turn's branch.
    git(repoPath, "merge-base", "--is-ancestor", firstRun.headCommit!, secondRun.headCommit!);
    expect(Number(git(repoPath, "rev-list", "--count", `${firstRun.baseCommit}..${secondRun.headCommit}`))).toBeGreaterThanOrEqual(2);

    const thread = await as.run.thread({ runId: second.runId });
    expect(thread.turns.map((t) => t.runId)).toEqual([first.runId, second.runId]);
    // Each earlier turn carries its plan and its own diff (from its base); the turn on the page shows its own.
    const [turnOne, turnTwo] = thread.turns;
    expect(turnOne!.plan.map((s) => s.file)).toContain("calc.py");
    expect(turnOne!.diff!.files.map((f) => f.path)).toEqual(expect.arrayContaining(["calc.py"]));
    expect(turnOne!.diff!.files.map((f) => f.path)).not.toContain("more.py");
    expect(turnTwo!.diff).toBeNull();
    expect(turnOne!.verification!.commands.length).toBeGreaterThan(0);
    expect(turnOne!.verification!.commands.some((c) => c.passed && c.exitCode === 0)).toBe(true);
    expect(turnOne!.verification!.tests.total).toBeGreaterThan(0);
    const fromFirst = await as.run.thread({ runId: first.runId });
    expect(fromFirst.turns).toHaveLength(2);
    expect(fromFirst.turns[1]!.plan).toEqual([expect.objectContaining({ id: "s1", description: "Write add(a, b) in more.py", file: "more.py" })]);
    expect(fromFirst.turns[1]!.diff!.files.map((f) => f.path)).toContain("more.py");
    expect(fromFirst.turns[1]!.diff!.files.map((f) => f.path)).not.toContain("calc.py");
    expect(fromFirst.turns[0]!.diff).toBeNull();
  });

  it("gives each turn's agents' output for the folded turns, to members and through a share link of any turn of the thread only", async () => {
    const as = callerFor(ctx.owner.id);
    const second = await testDb().run.findFirstOrThrow({ where: { projectId: ctx.projectId, parentRunId: { not: null } } });
    const first = second.parentRunId!;
    const one = await as.run.turnOutput({ runId: first });
    const two = await as.run.turnOutput({ runId: second.id });
    const text = (output: typeof one, role: string) => output.panes.filter((p) => p.role === role).map((p) => p.text).join("\n");
    // One pane per step and agent, as the turn's own page showed them: the planner's plan and the coder's code.
    expect(one.panes.map((p) => p.role)).toEqual(expect.arrayContaining(["planner", "coder"]));
    expect(text(one, "planner")).toContain("calc.py");
    expect(text(one, "planner")).not.toContain("more.py");
    expect(text(one, "coder")).toContain("def add(a, b)");
    expect(text(two, "planner")).toContain("Write add(a, b) in more.py");
    expect(one.panes.find((p) => p.role === "coder")).toMatchObject({ stepId: "s1", truncated: false });
    const stored = await testDb().runEvent.count({ where: { runId: first, type: "llm.tokens" } });
    expect(stored).toBeGreaterThan(0);

    expect(await codeOf(callerFor(ctx.stranger.id).run.turnOutput({ runId: first }))).toBe("NOT_FOUND");
    const { token } = await as.share.create({ runId: second.id });
    const anonymous = callerFor(null);
    expect(await anonymous.share.turnOutput({ token, runId: first })).toEqual(one);
    // A run outside the shared thread is not reachable through the link.
    const outside = await as.task.create({ projectId: ctx.projectId, prompt: "Write add(a, b) in calc.py, alone" });
    expect((await waitForRunEnd(outside.runId)).status).toBe("SUCCEEDED");
    expect(await codeOf(anonymous.share.turnOutput({ token, runId: outside.runId }))).toBe("NOT_FOUND");
    expect(await codeOf(anonymous.share.turnOutput({ token: "acsh_nope", runId: first }))).toBe("NOT_FOUND");
  });

  it("refuses strangers (404), running runs, earlier turns and empty or huge messages, creating nothing", async () => {
    const as = callerFor(ctx.owner.id);
    const [root, latest] = (await as.run.thread({ runId: (await testDb().run.findFirstOrThrow({ where: { projectId: ctx.projectId, parentRunId: { not: null } } })).id })).turns;
    const before = await testDb().run.count();
    expect(await codeOf(callerFor(ctx.stranger.id).task.followUp({ runId: latest!.runId, prompt: "hijack" }))).toBe("NOT_FOUND");
    expect(await codeOf(as.task.followUp({ runId: latest!.runId, prompt: "   " }))).toBe("BAD_REQUEST");
    expect(await codeOf(as.task.followUp({ runId: latest!.runId, prompt: "x".repeat(20_001) }))).toBe("BAD_REQUEST");
    expect(await codeOf(as.task.followUp({ runId: root!.runId, prompt: "fork the past" }))).toBe("CONFLICT");
    await ctx.runner.runner.stop();
    const queued = await as.task.create({ projectId: ctx.projectId, prompt: "never started" });
    expect(await codeOf(as.task.followUp({ runId: queued.runId, prompt: "too soon" }))).toBe("CONFLICT");
    expect(await testDb().run.count()).toBe(before + 1);
  });

  it("re-runs with an edited prompt as a new task, keeping the original", async () => {
    const as = callerFor(ctx.owner.id);
    const root = await testDb().run.findFirstOrThrow({ where: { projectId: ctx.projectId, status: "SUCCEEDED" }, include: { task: true } });
    const again = await as.run.rerun({ runId: root.id, prompt: "Write add(a, b) in calc.py, edited" });
    const run = await testDb().run.findUniqueOrThrow({ where: { id: again.runId }, include: { task: true } });
    expect(run.task.prompt).toBe("Write add(a, b) in calc.py, edited");
    expect(run.taskId).not.toBe(root.taskId);
    expect((await testDb().task.findUniqueOrThrow({ where: { id: root.taskId } })).prompt).toBe(root.task.prompt);
    expect(await codeOf(as.run.rerun({ runId: root.id, prompt: "" }))).toBe("BAD_REQUEST");
  });
});
