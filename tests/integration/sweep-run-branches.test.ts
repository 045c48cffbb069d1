import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { createRunWorktree, listWorktrees, removeRunWorktree } from "@/server/git";
import { sweepRunBranches } from "@/server/runs/sweep-run-branches";
import { callerFor, createTestUser, testDb } from "../helpers/db";

const branches = (repoPath: string) => execFileSync("git", ["-C", repoPath, "for-each-ref", "--format=%(refname:short)", "refs/heads/autocode/"], { encoding: "utf8" }).split("\n").filter(Boolean).sort();

describe("the sweep of old run branches and worktrees", () => {
  it("removes leftover worktrees always, and branches only past the retention or of runs that are gone", async () => {
    const owner = await createTestUser("sweeper");
    const project = await callerFor(owner.id).project.create({ name: "swept" });
    const { repoPath } = await testDb().project.findUniqueOrThrow({ where: { id: project.id } });
    const task = await testDb().task.create({ data: { projectId: project.id, authorId: owner.id, prompt: "p" } });
    const now = new Date();
    const run = (status: "RUNNING" | "SUCCEEDED", finishedDaysAgo: number | null) =>
      testDb().run.create({ data: { taskId: task.id, projectId: project.id, status, finishedAt: finishedDaysAgo === null ? null : new Date(now.getTime() - finishedDaysAgo * 86_400_000) } });
    const [running, recent, old] = [await run("RUNNING", null), await run("SUCCEEDED", 2), await run("SUCCEEDED", 40)];
    for (const id of [running.id, recent.id, old.id, "deleted-run"]) await createRunWorktree({ repoPath, runId: id });
    await removeRunWorktree({ repoPath, runId: old.id });

    // Retention 0: every existing run keeps its branch; only the running run keeps its worktree.
    await sweepRunBranches({ db: testDb(), retentionDays: 0, now });
    expect(branches(repoPath)).toEqual([`autocode/run-${old.id}`, `autocode/run-${recent.id}`, `autocode/run-${running.id}`].sort());
    expect((await listWorktrees(repoPath)).map((w) => w.branch).filter(Boolean)).toContain(`autocode/run-${running.id}`);
    expect((await listWorktrees(repoPath)).some((w) => w.branch === `autocode/run-${recent.id}`)).toBe(false);

    // Retention 30 days: the run finished 40 days ago loses its branch.
    const swept = await sweepRunBranches({ db: testDb(), retentionDays: 30, now });
    expect(swept.removedRunIds).toContain(old.id);
    expect(branches(repoPath)).toEqual([`autocode/run-${recent.id}`, `autocode/run-${running.id}`].sort());
  });
});
