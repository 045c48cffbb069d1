import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { callerFor, createTestUser, testDb } from "../helpers/db";
import { codeOf } from "../helpers/trpc-errors";

/** Commits one file onto a new branch of a bare-or-not repository without touching any worktree (git plumbing). */
function commitOnBranch(repoPath: string, branch: string, from: string, path: string, content: string) {
  const run = (args: string[], input?: string) => execFileSync("git", args, { cwd: repoPath, input, encoding: "utf8" }).trim();
  const blob = run(["hash-object", "-w", "--stdin"], content);
  const base = run(["rev-parse", `${from}^{tree}`]);
  const index = `/tmp/branch-files-${process.pid}-${Date.now()}.index`;
  const env = { ...process.env, GIT_INDEX_FILE: index };
  execFileSync("git", ["read-tree", base], { cwd: repoPath, env });
  execFileSync("git", ["update-index", "--add", "--cacheinfo", `100644,${blob},${path}`], { cwd: repoPath, env });
  const tree = execFileSync("git", ["write-tree"], { cwd: repoPath, env, encoding: "utf8" }).trim();
  const commit = execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.test", "commit-tree", tree, "-p", run(["rev-parse", from]), "-m", "run"], { cwd: repoPath, encoding: "utf8" }).trim();
  run(["update-ref", `refs/heads/${branch}`, commit]);
}

describe("the run page's file tree", () => {
  it("lists the branch's files and reads one, for members only, refusing paths outside the tree", async () => {
    const db = testDb();
    const owner = await createTestUser("files-owner");
    const stranger = await createTestUser("files-stranger");
    const created = await callerFor(owner.id).project.create({ name: "files" });
    const project = await db.project.findUniqueOrThrow({ where: { id: created.id } });
    const task = await db.task.create({ data: { projectId: project.id, authorId: owner.id, prompt: "write calc" } });
    const run = await db.run.create({ data: { taskId: task.id, projectId: project.id, status: "SUCCEEDED", queuedAt: new Date() } });
    const caller = callerFor(owner.id);

    expect(await caller.run.files({ runId: run.id })).toBeNull();
    const branch = `autocode/run-${run.id}`;
    commitOnBranch(project.repoPath, branch, project.defaultBranch, "src/calc.py", "def add(a, b):\n    return a + b\n");
    await db.run.update({ where: { id: run.id }, data: { branch } });

    const files = await caller.run.files({ runId: run.id });
    expect(files?.map((f) => f.path)).toContain("src/calc.py");
    expect(await caller.run.file({ runId: run.id, path: "src/calc.py" })).toMatchObject({ binary: false, content: "def add(a, b):\n    return a + b\n" });
    expect(await codeOf(caller.run.file({ runId: run.id, path: "../../etc/passwd" }))).toBe("BAD_REQUEST");
    expect(await codeOf(caller.run.file({ runId: run.id, path: "missing.py" }))).toBe("NOT_FOUND");
    expect(await codeOf(callerFor(stranger.id).run.files({ runId: run.id }))).toBe("NOT_FOUND");
    expect(await codeOf(callerFor(stranger.id).run.file({ runId: run.id, path: "src/calc.py" }))).toBe("NOT_FOUND");
  });

  it("shows a share link's viewer that run's branch only: no other run's or project's files, paths checked, gone when revoked", async () => {
    const db = testDb();
    const owner = await createTestUser("share-files-owner");
    const caller = callerFor(owner.id);
    const anonymous = callerFor(null);
    async function runWithBranch(projectName: string, path: string, content: string) {
      const created = await caller.project.create({ name: projectName });
      const project = await db.project.findUniqueOrThrow({ where: { id: created.id } });
      const task = await db.task.create({ data: { projectId: project.id, authorId: owner.id, prompt: "write it" } });
      const run = await db.run.create({ data: { taskId: task.id, projectId: project.id, status: "SUCCEEDED", queuedAt: new Date() } });
      const branch = `autocode/run-${run.id}`;
      commitOnBranch(project.repoPath, branch, project.defaultBranch, path, content);
      await db.run.update({ where: { id: run.id }, data: { branch } });
      return { run, project, task };
    }
    const shared = await runWithBranch("shared-files", "src/shared.py", "SHARED = 1\n");
    // A second run of the same project (same repository, another branch) and a run of another project.
    const sibling = await db.run.create({ data: { taskId: shared.task.id, projectId: shared.project.id, status: "SUCCEEDED", queuedAt: new Date() } });
    const siblingBranch = `autocode/run-${sibling.id}`;
    commitOnBranch(shared.project.repoPath, siblingBranch, shared.project.defaultBranch, "src/sibling-secret.py", "SIBLING = 1\n");
    await db.run.update({ where: { id: sibling.id }, data: { branch: siblingBranch } });
    const other = await runWithBranch("other-files", "src/other-secret.py", "OTHER = 1\n");

    const link = await caller.share.create({ runId: shared.run.id });
    const paths = (await anonymous.share.files({ token: link.token }))?.map((f) => f.path) ?? [];
    expect(paths).toContain("src/shared.py");
    expect(paths).not.toContain("src/sibling-secret.py");
    expect(paths).not.toContain("src/other-secret.py");
    expect(await anonymous.share.file({ token: link.token, path: "src/shared.py" })).toMatchObject({ binary: false, content: "SHARED = 1\n" });
    // The file exists on the sibling's branch in the same repository, and in another project: neither is reachable.
    expect(await codeOf(anonymous.share.file({ token: link.token, path: "src/sibling-secret.py" }))).toBe("NOT_FOUND");
    expect(await codeOf(anonymous.share.file({ token: link.token, path: "src/other-secret.py" }))).toBe("NOT_FOUND");
    for (const path of ["../../etc/passwd", "/etc/passwd", ".git/config", `../${other.project.id}/src/other-secret.py`, "src/../../x"]) {
      expect(await codeOf(anonymous.share.file({ token: link.token, path }))).toBe("BAD_REQUEST");
    }
    expect(await codeOf(anonymous.share.files({ token: "not-a-real-token-at-all-000000000000" }))).toBe("NOT_FOUND");

    await caller.share.revoke({ linkId: link.id });
    expect(await codeOf(anonymous.share.files({ token: link.token }))).toBe("NOT_FOUND");
    expect(await codeOf(anonymous.share.file({ token: link.token, path: "src/shared.py" }))).toBe("NOT_FOUND");
  });
});
