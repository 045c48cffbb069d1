import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { requireDocker } from "@/server/sandbox/docker-test-guard";
import { useRunnerProject } from "@/tests/helpers/runner-project";
import { waitForRunEnd } from "@/tests/helpers/test-runner";
import { callerFor, testDb } from "../helpers/db";
import { codeOf } from "../helpers/trpc-errors";

const dockerReady = await requireDocker("Re-verify (database + sandbox)");
const git = (cwd: string, ...args: string[]) => execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@t", ...args], { cwd, encoding: "utf8" }).trim();

describe.skipIf(!dockerReady)("Re-verify: the independent re-verification of a finished run's branch, again, appended", () => {
  const ctx = useRunnerProject("reverify", { maxRetries: 2 });

  it("re-runs the branch head's frozen tests in a fresh container, appends each record, and judges what is on the branch now", async () => {
    const { runId } = await callerFor(ctx.owner.id).task.create({ projectId: ctx.projectId, prompt: "Write add(a, b) in calc.py with tests" });
    const run = await waitForRunEnd(runId);
    expect(run.status).toBe("SUCCEEDED");
    const repoPath = (await testDb().project.findUniqueOrThrow({ where: { id: ctx.projectId } })).repoPath;
    const original = (await callerFor(ctx.owner.id).run.byId({ runId })).verification!.independent!;
    const frozen = await testDb().runEvent.findMany({ where: { runId, type: "acceptance.frozen" } });
    expect(frozen.map((e) => (e.payload as { path: string }).path)).toEqual(["test_calc.py"]);

    const first = await callerFor(ctx.owner.id).run.reverify({ runId });
    expect(first).toMatchObject({ passed: true, by: ctx.owner.id, commit: git(repoPath, "rev-parse", run.branch!), frozenTests: ["test_calc.py"] });
    expect(first.tests.map((t) => [t.name, t.status])).toEqual(original.tests.map((t) => [t.name, t.status]));
    // A fresh container every time: neither the agents' session nor the run's own re-verification.
    expect(first.containerId).toMatch(/^[0-9a-f]{64}$/);
    expect(first.containerId).not.toBe(original.containerId);

    // Someone commits a broken add() onto the run's branch: Re-verify judges the branch as it is now.
    const work = mkdtempSync(path.join(os.tmpdir(), "reverify-"));
    try {
      git(work, "clone", "-q", "--branch", run.branch!, repoPath, "w");
      writeFileSync(path.join(work, "w", "calc.py"), "def add(a, b):\n    return a - b\n");
      git(path.join(work, "w"), "commit", "-qam", "break add");
      git(path.join(work, "w"), "push", "-q", "origin", run.branch!);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
    const second = await callerFor(ctx.owner.id).run.reverify({ runId });
    expect(second.passed).toBe(false);
    expect(second.commit).toBe(git(repoPath, "rev-parse", run.branch!));
    expect(second.commit).not.toBe(first.commit);
    expect(second.reason).toMatch(/failed/);
    expect(second.containerId).not.toBe(first.containerId);

    // Both records stay, in order, in the log and in the DTO; the run's own record is untouched.
    const dto = await callerFor(ctx.owner.id).run.byId({ runId });
    expect(dto.reverifications.map((r) => r.passed)).toEqual([true, false]);
    expect(dto.reverifying).toBe(false);
    expect(dto.verification!.independent!.commit).toBe(original.commit);
    const types = (await testDb().runEvent.findMany({ where: { runId }, orderBy: { seq: "asc" } })).map((e) => e.type);
    expect(types.at(-1)).toBe("verification.reverified");
    expect(types.filter((t) => t.startsWith("verification.reverif"))).toEqual(["verification.reverify_started", "verification.reverified", "verification.reverify_started", "verification.reverified"]);
  });

  it("is refused for someone who may not change the run, and for a run that is not finished", async () => {
    const { runId } = await callerFor(ctx.owner.id).task.create({ projectId: ctx.projectId, prompt: "Write add(a, b) in calc.py once more" });
    expect(await codeOf(callerFor(ctx.owner.id).run.reverify({ runId }))).toBe("CONFLICT");
    await waitForRunEnd(runId);
    expect(await codeOf(callerFor(ctx.stranger.id).run.reverify({ runId }))).toBe("NOT_FOUND");
    expect(await testDb().runEvent.count({ where: { runId, type: "verification.reverify_started" } })).toBe(0);
  });
});
