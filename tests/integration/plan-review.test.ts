import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toEditedPlan, toPlanDraft } from "@/components/runs/edit-plan-draft";
import { expirePlanReviews } from "@/server/plan-review/review-plan";
import { ZEventPlanStep } from "@/server/runs/events/contract";
import { requireDocker } from "@/server/sandbox/docker-test-guard";
import { startTestRunner, waitForRunEnd, type TestRunner } from "@/tests/helpers/test-runner";
import { callerFor, createTestUser, testDb } from "../helpers/db";
import { codeOf, messageOf } from "../helpers/trpc-errors";

const dockerReady = await requireDocker("plan review (database + sandbox)");

async function waitForStatus(runId: string, status: string, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = await testDb().run.findUniqueOrThrow({ where: { id: runId } });
    if (run.status === status) return run;
    if (Date.now() > deadline) throw new Error(`run ${runId} is ${run.status} (${run.statusReason ?? ""}), not ${status}, after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const eventTypes = async (runId: string) => (await testDb().runEvent.findMany({ where: { runId }, orderBy: { seq: "asc" }, select: { type: true } })).map((e) => e.type);

describe.skipIf(!dockerReady)("plan review: a run waits after planning until its plan is approved", () => {
  let testRunner: TestRunner | undefined;
  let owner: Awaited<ReturnType<typeof createTestUser>>;
  let viewer: Awaited<ReturnType<typeof createTestUser>>;
  let stranger: Awaited<ReturnType<typeof createTestUser>>;
  let projectId: string;

  beforeAll(async () => {
    // One slot: a run waiting for review must not keep the next task from running.
    testRunner = await startTestRunner({ concurrency: 1 });
    owner = await createTestUser("review-owner");
    viewer = await createTestUser("review-viewer");
    stranger = await createTestUser("review-stranger");
    projectId = (await callerFor(owner.id).project.create({ name: "review" })).id;
    await callerFor(owner.id).project.addMember({ projectId, email: viewer.email, role: "VIEWER" });
  });

  afterAll(async () => {
    await testRunner?.stop();
  });

  it("stops after planning (the project's default), holds no worker, refuses invalid edits with the schema's message, and runs the edited plan without planning again", async () => {
    const as = callerFor(owner.id);
    const llm = testRunner!.llm;
    expect((await as.project.updateSettings({ projectId, requirePlanApproval: true })).requirePlanApproval).toBe(true);
    llm.script("planner", JSON.stringify({ steps: [{ id: "s1", agent: "coder", description: "Write add(a, b) in calc.py", file: "calc.py" }] }));
    const plannerCalls = () => llm.requests.filter((r) => r.role === "planner").length;
    const before = plannerCalls();
    const { runId } = await as.task.create({ projectId, prompt: "Write add(a, b) with tests" });
    const waiting = await waitForStatus(runId, "AWAITING_APPROVAL");
    expect(plannerCalls()).toBe(before + 1);
    // The worker let go of it: no lease, no slot, no worktree.
    expect(waiting.workerId).toBeNull();
    expect(waiting.leaseExpiresAt).toBeNull();
    expect(waiting.approvalDeadline!.getTime()).toBeGreaterThan(Date.now());
    // The worker lets go right after recording the wait (it removes the worktree first).
    for (let i = 0; i < 100 && testRunner!.runner.activeRuns.includes(runId); i++) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(testRunner!.runner.activeRuns).not.toContain(runId);
    expect((await as.run.byId({ runId })).displayStatus).toBe("AWAITING_APPROVAL");

    // With the only slot free, another task (no review) runs to the end while the first one waits.
    const other = await as.task.create({ projectId, prompt: "Write add(a, b) in calc.py", reviewPlan: false });
    expect((await waitForRunEnd(other.runId)).status).toBe("SUCCEEDED");
    expect((await testDb().run.findUniqueOrThrow({ where: { id: runId } })).status).toBe("AWAITING_APPROVAL");

    expect(await codeOf(callerFor(stranger.id).run.approvePlan({ runId }))).toBe("NOT_FOUND");
    expect(await codeOf(callerFor(viewer.id).run.approvePlan({ runId }))).toBe("FORBIDDEN");
    const noFile = await messageOf(as.run.approvePlan({ runId, plan: { steps: [{ id: "s1", agent: "coder", description: "no file" }] } }));
    expect(noFile).toContain('step "s1" (coder) has no file');
    const badAgent = await messageOf(as.run.approvePlan({ runId, plan: { steps: [{ id: "s1", agent: "hacker", description: "x", file: "x.py" }] } }));
    expect(badAgent).toContain("does not match the schema");
    expect(await messageOf(as.run.approvePlan({ runId, plan: { steps: [{ id: "s1", agent: "coder", description: "x", file: "../etc/passwd" }] } }))).toContain("s1");
    expect((await testDb().run.findUniqueOrThrow({ where: { id: runId } })).status).toBe("AWAITING_APPROVAL");

    const edited = { steps: [{ id: "s1", agent: "coder", description: "Write add(a, b) in edited.py", file: "edited.py", depends_on: [] }] };
    expect(await as.run.approvePlan({ runId, plan: edited })).toEqual({ status: "QUEUED", edited: true, steps: 1 });
    expect(await codeOf(as.run.approvePlan({ runId }))).toBe("CONFLICT");
    const done = await waitForRunEnd(runId);
    expect(done.statusReason).toBeNull();
    expect(done.status).toBe("SUCCEEDED");
    // The planner's tokens are not spent twice: the approved plan ran as given.
    expect(plannerCalls()).toBe(before + 2); // + the other task's planning
    expect(done.baseCommit).toBe(waiting.baseCommit);
    const steps = await testDb().step.findMany({ where: { runId } });
    expect(steps.map((s) => [s.planStepId, s.targetFile, s.status])).toEqual([["s1", "edited.py", "SUCCEEDED"]]);
    const { repoPath } = await testDb().project.findUniqueOrThrow({ where: { id: projectId } });
    const files = execFileSync("git", ["ls-tree", "-r", "--name-only", done.branch!], { cwd: repoPath, encoding: "utf8" }).split("\n");
    expect(files).toContain("edited.py");
    expect(files).not.toContain("calc.py");
    const types = await eventTypes(runId);
    expect(types.indexOf("plan.awaiting_approval")).toBeLessThan(types.indexOf("plan.approved"));
    expect(types.filter((t) => t === "run.claimed")).toHaveLength(2);
    const approved = await testDb().runEvent.findFirstOrThrow({ where: { runId, type: "plan.approved" } });
    expect(approved.payload).toMatchObject({ by: owner.id, edited: true });
  }, 240_000); // two whole runs one after another on one slot

  it("a reviewer's edit keeps the step's planned interface (the editor's form, the approval, the resumed run's coder and tester)", async () => {
    const as = callerFor(owner.id);
    const llm = testRunner!.llm;
    const planned = "def add(a: int, b: int) -> int";
    llm.script("planner", JSON.stringify({ steps: [{ id: "s1", agent: "coder", description: "Write add in calc.py", file: "calc.py", interface: planned }] }));
    const { runId } = await as.task.create({ projectId, prompt: "Write add(a, b) with tests", reviewPlan: true });
    await waitForStatus(runId, "AWAITING_APPROVAL");
    const created = await testDb().runEvent.findFirstOrThrow({ where: { runId, type: "plan.created" } });
    const drafts = ZEventPlanStep.array().parse((created.payload as { steps: unknown }).steps).map(toPlanDraft);
    expect(drafts[0]!.interface).toBe(planned);
    // The reviewer edits the description only, as the form does: the interface it does not touch goes along.
    const plan = toEditedPlan(drafts.map((d) => ({ ...d, description: "Write add(a, b) in calc.py, returning their sum" })));
    expect(plan.steps[0]).toMatchObject({ interface: planned, file: "calc.py" });
    // An interface the reviewer emptied is left out (the schema refuses ""), so the tester falls back to the task's names.
    expect(toEditedPlan(drafts.map((d) => ({ ...d, interface: "  " }))).steps[0]).not.toHaveProperty("interface", expect.anything());
    expect(await as.run.approvePlan({ runId, plan })).toEqual({ status: "QUEUED", edited: true, steps: 1 });
    const approved = await testDb().runEvent.findFirstOrThrow({ where: { runId, type: "plan.approved" } });
    expect((approved.payload as { steps: { interface?: string }[] }).steps[0]!.interface).toBe(planned);
    expect((await waitForRunEnd(runId)).status).toBe("SUCCEEDED");
    const promptOf = (role: string) => llm.requests.filter((r) => r.runId === runId && r.role === role).map((r) => (r.body.messages ?? []).map((m) => m.content).join("\n"));
    expect(promptOf("coder").length).toBeGreaterThan(0);
    expect(promptOf("coder")[0]).toContain(planned);
    expect(promptOf("tester")[0]).toContain(planned);
  }, 240_000);

  it("a rejected plan ends the run cancelled with the reason; nothing runs", async () => {
    const as = callerFor(owner.id);
    await as.project.updateSettings({ projectId, requirePlanApproval: false });
    const { runId } = await as.task.create({ projectId, prompt: "Write add(a, b) in calc.py", reviewPlan: true });
    await waitForStatus(runId, "AWAITING_APPROVAL");
    expect(await codeOf(callerFor(viewer.id).run.rejectPlan({ runId, reason: "no" }))).toBe("FORBIDDEN");
    expect(await as.run.rejectPlan({ runId, reason: "Use a separate module" })).toEqual({ status: "CANCELLED" });
    const run = await testDb().run.findUniqueOrThrow({ where: { id: runId } });
    expect(run.status).toBe("CANCELLED");
    expect(run.statusReason).toContain("The plan was rejected: Use a separate module");
    expect(run.headCommit).toBe(run.baseCommit);
    expect((await eventTypes(runId)).slice(-2)).toEqual(["plan.rejected", "run.finished"]);
    expect(await codeOf(as.run.approvePlan({ runId }))).toBe("CONFLICT");
    expect(await codeOf(as.run.rejectPlan({ runId }))).toBe("CONFLICT");
  });

  it("a plan nobody reviews expires (the workers' sweep) and a waiting run can be stopped", async () => {
    const as = callerFor(owner.id);
    const expiring = await as.task.create({ projectId, prompt: "Write add(a, b) in calc.py", reviewPlan: true });
    const stopped = await as.task.create({ projectId, prompt: "Write add(a, b) in calc.py", reviewPlan: true });
    await waitForStatus(expiring.runId, "AWAITING_APPROVAL");
    await waitForStatus(stopped.runId, "AWAITING_APPROVAL");
    await testDb().run.update({ where: { id: expiring.runId }, data: { approvalDeadline: new Date(Date.now() - 1000) } });
    expect(await expirePlanReviews(testDb())).toContain(expiring.runId);
    const expired = await testDb().run.findUniqueOrThrow({ where: { id: expiring.runId } });
    expect(expired.status).toBe("FAILED");
    expect(expired.statusReason).toMatch(/Nobody approved the plan before its review expired/);
    expect(await expirePlanReviews(testDb())).not.toContain(expiring.runId);

    expect(await as.run.cancel({ runId: stopped.runId })).toEqual({ status: "CANCELLED" });
    expect((await testDb().run.findUniqueOrThrow({ where: { id: stopped.runId } })).statusReason).toContain("while its plan waited for review");
  });
});
