import { describe, expect, it } from "vitest";
import { runWorktreePath } from "@/server/git";
import { settleAfterRunWork } from "@/server/runs/after-run-work";
import { streamRunEvents } from "@/server/runs/stream-run-events";
import { listOwnContainers } from "@/server/sandbox";
import { requireDocker } from "@/server/sandbox/docker-test-guard";
import { useRunnerProject } from "@/tests/helpers/runner-project";
import { waitForRunEnd } from "@/tests/helpers/test-runner";
import { callerFor, testDb } from "../helpers/db";
import { codeOf } from "../helpers/trpc-errors";

const dockerReady = await requireDocker("run lifecycle (database + sandbox)");

describe.skipIf(!dockerReady)("a run, end to end through the database", () => {
  const ctx = useRunnerProject("calculator", { maxRetries: 2 });

  it("runs a task to a verified PASS with a gap-free ordered record, steps, a branch and a diff", async () => {
    const { runId } = await callerFor(ctx.owner.id).task.create({ projectId: ctx.projectId, prompt: "Write add(a, b) in calc.py with tests" });
    const run = await waitForRunEnd(runId);
    expect(run.statusReason).toBeNull();
    expect(run.status).toBe("SUCCEEDED");
    expect(run.verdict).toBe("PASS");
    expect((run.verification as { outcome: string }).outcome).toBe("verified");
    expect(run.tokensIn).toBeGreaterThan(0);
    expect(run.branch).toBe(`autocode/run-${runId}`);

    const events = await testDb().runEvent.findMany({ where: { runId }, orderBy: { seq: "asc" } });
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    const types = events.map((e) => e.type);
    for (const type of ["run.queued", "run.claimed", "run.started", "plan.created", "sandbox.command", "test.result", "verdict", "run.finished"]) {
      expect(types).toContain(type);
    }
    expect(types.at(-1)).toBe("run.finished");
    const command = events.find((e) => e.type === "sandbox.command")!.payload as { exitCode: number; passed: boolean };
    expect(command).toMatchObject({ exitCode: 0, passed: true });

    const dto = await callerFor(ctx.owner.id).run.byId({ runId });
    expect(dto.steps).toHaveLength(1);
    expect(dto.steps[0]).toMatchObject({ planStepId: "s1", status: "SUCCEEDED", targetFile: "calc.py" });

    // The run's working directory is removed after its end (after-run work); its branch keeps the work.
    const project = await testDb().project.findUniqueOrThrow({ where: { id: ctx.projectId } });
    const { access } = await import("node:fs/promises");
    await settleAfterRunWork();
    await expect(access(runWorktreePath(project.repoPath, runId))).rejects.toThrow();

    const diff = await callerFor(ctx.owner.id).run.diff({ runId });
    expect(diff?.files.map((f) => f.path).sort()).toEqual(["calc.py", "test_calc.py"]);

    const merged = await callerFor(ctx.owner.id).run.merge({ runId });
    expect(merged).toMatchObject({ ok: true, forced: false });
    const history = await callerFor(ctx.owner.id).run.list({ projectId: ctx.projectId });
    expect(history.runs[0]).toMatchObject({ id: runId, status: "SUCCEEDED", displayStatus: "SUCCEEDED", outcome: "verified", debugRounds: 0, testsChangedByDebugger: [] });
    // The merge is in the record: a reload shows it, and a second merge says so instead of merging again.
    expect((await callerFor(ctx.owner.id).run.byId({ runId })).merged).toMatchObject({ into: "main", forced: false });
    await expect(callerFor(ctx.owner.id).run.merge({ runId })).rejects.toThrow(/already merged into main/);
  });

  it("a failed run is never merged plainly: it needs force, and the log records who forced it", async () => {
    const buggy = "File: calc.py\n```python\ndef add(a, b):\n    return a - b\n```";
    ctx.runner.llm.script("coder", buggy);
    ctx.runner.llm.script("debugger", buggy, buggy, buggy, buggy, buggy, buggy);
    const { runId } = await callerFor(ctx.owner.id).task.create({ projectId: ctx.projectId, prompt: "Write add(a, b) in calc.py, failing" });
    const run = await waitForRunEnd(runId);
    expect(run.status).toBe("FAILED");
    const dto = await callerFor(ctx.owner.id).run.byId({ runId });
    expect(dto.displayStatus).toBe("FAILED");
    expect(dto.debugRounds).toBeGreaterThan(0);
    expect(dto.notVerified).toMatch(/^the run failed: /);
    expect(await codeOf(callerFor(ctx.owner.id).run.merge({ runId }))).toBe("CONFLICT");
    await expect(callerFor(ctx.owner.id).run.merge({ runId })).rejects.toThrow(/not verified \(the run failed: .*force/);
    expect(await testDb().runEvent.count({ where: { runId, type: "run.merged" } })).toBe(0);
    const forced = await callerFor(ctx.owner.id).run.merge({ runId, force: true });
    expect(forced).toMatchObject({ ok: true, forced: true });
    const event = await testDb().runEvent.findFirstOrThrow({ where: { runId, type: "run.merged" } });
    expect(event.payload).toMatchObject({ by: ctx.owner.id, forced: true, notVerified: expect.stringMatching(/^the run failed/) });
    expect((await callerFor(ctx.owner.id).run.byId({ runId })).merged).toMatchObject({ forced: true });
  });

  it("streams the record from any point with nothing lost or repeated", async () => {
    const { runId } = await callerFor(ctx.owner.id).task.create({ projectId: ctx.projectId, prompt: "Write add(a, b) in calc.py again" });
    const live: number[] = [];
    for await (const event of streamRunEvents({ db: testDb(), runId, afterSeq: 0 })) live.push(event.seq);
    const resumed: number[] = [];
    for await (const event of streamRunEvents({ db: testDb(), runId, afterSeq: 5 })) resumed.push(event.seq);
    const stored = await testDb().runEvent.count({ where: { runId } });
    expect(live).toEqual(Array.from({ length: stored }, (_, i) => i + 1));
    expect(resumed).toEqual(live.slice(5));
  });

  it("cancels a running run within 2 seconds and leaves no container behind", async () => {
    ctx.runner.llm.script("coder", { hang: true });
    const { runId } = await callerFor(ctx.owner.id).task.create({ projectId: ctx.projectId, prompt: "Write add(a, b) in calc.py slowly" });
    const deadline = Date.now() + 30_000;
    while ((await testDb().run.findUniqueOrThrow({ where: { id: runId } })).status !== "RUNNING" || !(await testDb().runEvent.count({ where: { runId, type: "step.started" } }))) {
      if (Date.now() > deadline) throw new Error("the run never started its step");
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const asked = Date.now();
    await callerFor(ctx.owner.id).run.cancel({ runId });
    const run = await waitForRunEnd(runId, 10_000);
    expect(Date.now() - asked).toBeLessThan(2000);
    expect(run.status).toBe("CANCELLED");
    await settleAfterRunWork(); // the container removal follows the end
    const containers = await listOwnContainers();
    expect(containers.filter((c) => c.Labels["ai.autocode.run"] === runId)).toHaveLength(0);
  });

  it("cancels a queued run at once", async () => {
    await ctx.runner.runner.stop();
    const { runId } = await callerFor(ctx.owner.id).task.create({ projectId: ctx.projectId, prompt: "never started" });
    expect(await callerFor(ctx.owner.id).run.cancel({ runId })).toEqual({ status: "CANCELLED" });
    expect((await testDb().run.findUniqueOrThrow({ where: { id: runId } })).status).toBe("CANCELLED");
  });

  it("answers NOT_FOUND to another user for every run procedure, and refuses bad tasks clearly", async () => {
    const runId = (await testDb().run.findFirstOrThrow({ where: { projectId: ctx.projectId } })).id;
    const as = callerFor(ctx.stranger.id);
    const calls = [
      () => as.run.byId({ runId }),
      () => as.run.diff({ runId }),
      () => as.run.merge({ runId }),
      () => as.run.cancel({ runId }),
      () => as.run.rerun({ runId }),
      () => as.run.list({ projectId: ctx.projectId }),
    ];
    for (const call of calls) expect(await codeOf(call())).toBe("NOT_FOUND");
    expect(await codeOf(as.task.create({ projectId: ctx.projectId, prompt: "hijack" }))).toBe("NOT_FOUND");
    const before = await testDb().task.count();
    expect(await codeOf(callerFor(ctx.owner.id).task.create({ projectId: ctx.projectId, prompt: "   " }))).toBe("BAD_REQUEST");
    expect(await codeOf(callerFor(ctx.owner.id).task.create({ projectId: ctx.projectId, prompt: "x".repeat(20_001) }))).toBe("BAD_REQUEST");
    expect(await codeOf(callerFor(ctx.owner.id).task.create({ projectId: ctx.projectId, prompt: "ok", contextFiles: ["../etc/passwd"] }))).toBe("BAD_REQUEST");
    expect(await codeOf(callerFor(ctx.owner.id).task.create({ projectId: ctx.projectId, prompt: "ok", contextFiles: ["missing.py"] }))).toBe("BAD_REQUEST");
    // A symlink committed in the repository must not become a way to read the server's files.
    const { repoPath } = await testDb().project.findUniqueOrThrow({ where: { id: ctx.projectId } });
    const { execFileSync } = await import("node:child_process");
    const { symlink } = await import("node:fs/promises");
    await symlink("/etc/passwd", `${repoPath}/leak`);
    execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@t", "add", "leak"], { cwd: repoPath });
    execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "add a link"], { cwd: repoPath });
    expect(await codeOf(callerFor(ctx.owner.id).task.create({ projectId: ctx.projectId, prompt: "ok", contextFiles: ["leak"] }))).toBe("BAD_REQUEST");
    expect(await testDb().task.count()).toBe(before);
  });
});
