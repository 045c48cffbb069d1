import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, readFile as readDisk, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AppError } from "@/server/errors";
import { commitStep } from "./commit-step";
import { diffRun, formatPatch } from "./diff-run";
import { checkCloneUrl, initRepository } from "./init-repository";
import { mergeRun } from "./merge-run";
import { readFile, readTree } from "./read-repository";
import { headCommit } from "./run-git";
import { cleanupWorktrees, createRunWorktree, listWorktrees, removeRunWorktree } from "./run-worktree";

let dir: string;
let repoPath: string;

const sh = (cwd: string, ...args: string[]) =>
  execFileSync("git", args, { cwd, encoding: "utf8", env: { ...process.env, GIT_CONFIG_GLOBAL: "/dev/null" } }).trim();

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "git-service-"));
  repoPath = path.join(dir, "project");
  await initRepository({ path: repoPath });
  await writeFile(path.join(repoPath, "app.py"), "def main():\n    return 1\n");
  await writeFile(path.join(repoPath, "util.py"), "X = 1\n");
  sh(repoPath, "add", ".");
  sh(repoPath, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "seed");
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Everything a merge could disturb: HEAD, refs, index bytes, working tree status and file bytes. */
async function snapshot(repo: string) {
  const hash = async (file: string) => createHash("sha256").update(await readDisk(path.join(repo, file))).digest("hex");
  return {
    head: sh(repo, "rev-parse", "HEAD"),
    refs: sh(repo, "for-each-ref", "--format=%(refname) %(objectname)"),
    index: await hash(".git/index"),
    status: sh(repo, "status", "--porcelain=v1", "--untracked-files=all"),
    files: { app: await hash("app.py"), util: await hash("util.py") },
  };
}

describe("initRepository", () => {
  it("creates an empty project on main with an initial commit", async () => {
    const made = await initRepository({ path: path.join(dir, "empty") });
    expect(made.branch).toBe("main");
    expect(sh(made.path, "log", "--format=%an <%ae> %s")).toBe("AutoCodeAI <autocode@localhost> Initial commit");
  });

  it("clones a local repository and lists and reads its files", async () => {
    const clone = await initRepository({ path: path.join(dir, "clone"), source: { kind: "local", path: repoPath } });
    expect(clone.head).toBe(sh(repoPath, "rev-parse", "HEAD"));
    expect((await readTree({ repoPath: clone.path })).map((e) => [e.path, e.kind, e.size])).toEqual([
      ["app.py", "file", 25],
      ["util.py", "file", 6],
    ]);
    expect((await readFile({ repoPath: clone.path, path: "util.py" })).content).toBe("X = 1\n");
    await expect(readFile({ repoPath: clone.path, path: "nope.py" })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(readFile({ repoPath: clone.path, path: "../x" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(readTree({ repoPath: clone.path, ref: "--output=/tmp/x" })).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it.each(["ext::sh -c touch% /tmp/pwned", "file:///etc", "/etc", "fd::0", "-uhttps://x", "ftp://example.com/r.git"])("refuses the clone URL %s", async (url) => {
    expect(checkCloneUrl(url).ok).toBe(false);
    await expect(initRepository({ path: path.join(dir, "bad"), source: { kind: "url", url } })).rejects.toMatchObject({ code: "BAD_REQUEST" });
  });

  it("accepts ordinary network URLs", () => {
    for (const url of ["https://github.com/a/b.git", "ssh://git@host/x.git", "git@github.com:a/b.git", "git://host/x"]) {
      expect(checkCloneUrl(url)).toEqual({ ok: true });
    }
  });

  it("fails with a clear error when the URL is unreachable, and leaves no directory", async () => {
    const port = await new Promise<number>((resolve) => {
      const server = createServer();
      server.listen(0, "127.0.0.1", () => {
        const address = server.address();
        server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
      });
    });
    const target = path.join(dir, "remote");
    const error = await initRepository({ path: target, source: { kind: "url", url: `http://127.0.0.1:${port}/x.git` }, allowPrivate: true }).catch((e: unknown) => e);
    expect(AppError.is(error, "UNAVAILABLE")).toBe(true);
    expect((error as AppError).userMessage).toMatch(/Could not clone http:\/\/127\.0\.0\.1:\d+\/x\.git: .*(connect|refused)/i);
    expect(await readDisk(target).catch((e: NodeJS.ErrnoException) => e.code)).toBe("ENOENT");
  });

  it("times out a clone from a server that never answers", async () => {
    const server = createServer(() => undefined);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    const port = typeof address === "object" && address ? address.port : 0;
    try {
      const error = await initRepository({ path: path.join(dir, "slow"), source: { kind: "url", url: `http://127.0.0.1:${port}/x.git` }, timeoutMs: 1500, allowPrivate: true }).catch((e: unknown) => e);
      expect(AppError.is(error, "TIMEOUT")).toBe(true);
    } finally {
      server.close();
    }
  });
});

describe("run worktrees", () => {
  it("gives two concurrent runs their own branch, commits and diff", async () => {
    const [a, b] = await Promise.all([createRunWorktree({ repoPath, runId: "a1" }), createRunWorktree({ repoPath, runId: "b2" })]);
    expect([a.branch, b.branch]).toEqual(["autocode/run-a1", "autocode/run-b2"]);
    expect(a.baseCommit).toBe(sh(repoPath, "rev-parse", "HEAD"));
    expect(a.worktreePath).toBe(`${repoPath}.worktrees/run-a1`);

    await Promise.all([
      writeFile(path.join(a.worktreePath, "app.py"), "def main():\n    return 2\n"),
      writeFile(path.join(b.worktreePath, "new.py"), "print('b')\nprint('c')\n"),
    ]);
    const [ca, cb] = await Promise.all([
      commitStep({ worktreePath: a.worktreePath, message: "step 1: change main" }),
      commitStep({ worktreePath: b.worktreePath, message: "step 1: add new.py" }),
    ]);
    expect(ca?.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(cb?.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(await commitStep({ worktreePath: a.worktreePath, message: "nothing" })).toBeNull();
    expect(sh(a.worktreePath, "log", "-1", "--format=%an <%ae>")).toBe("AutoCodeAI <autocode@localhost>");

    const [da, db] = await Promise.all([diffRun({ repoPath, ...a }), diffRun({ repoPath, ...b })]);
    expect(da.files.map(({ patch: _p, ...f }) => f)).toEqual([{ path: "app.py", status: "modified", added: 1, removed: 1, binary: false }]);
    expect(da.files[0]!.patch).toContain("-    return 1\n+    return 2\n");
    expect(db.files.map(({ patch: _p, ...f }) => f)).toEqual([{ path: "new.py", status: "added", added: 2, removed: 0, binary: false }]);
    expect(sh(repoPath, "status", "--porcelain")).toBe("");

    const mbox = await formatPatch({ repoPath, ...a });
    expect(mbox).toMatch(/^From [0-9a-f]{40} /);
    expect(mbox).toContain("Subject: [PATCH] step 1: change main");
    const plain = await formatPatch({ repoPath, ...a, style: "plain" });
    expect(plain.startsWith("diff --git a/app.py b/app.py")).toBe(true);
  });

  it("reports renames and deletions with their counts", async () => {
    const run = await createRunWorktree({ repoPath, runId: "r1" });
    sh(run.worktreePath, "mv", "util.py", "helpers.py");
    await rm(path.join(run.worktreePath, "app.py"));
    await commitStep({ worktreePath: run.worktreePath, message: "move" });
    const diff = await diffRun({ repoPath, ...run });
    expect(diff.files.map(({ patch: _p, ...f }) => f)).toEqual([
      { path: "app.py", status: "deleted", added: 0, removed: 2, binary: false },
      { path: "helpers.py", oldPath: "util.py", status: "renamed", added: 0, removed: 0, binary: false },
    ]);
  });

  it("refuses a reused run id and a run id that could escape", async () => {
    await createRunWorktree({ repoPath, runId: "same" });
    await expect(createRunWorktree({ repoPath, runId: "same" })).rejects.toMatchObject({ code: "CONFLICT" });
    await expect(createRunWorktree({ repoPath, runId: "../x" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
  });

  it("removes one worktree, and cleans up all runs but the kept ones", async () => {
    for (const id of ["k1", "old1", "old2", "gone"]) await createRunWorktree({ repoPath, runId: id });
    await removeRunWorktree({ repoPath, runId: "gone" });
    expect(sh(repoPath, "branch", "--list", "autocode/run-gone")).toContain("autocode/run-gone");
    const result = await cleanupWorktrees({ repoPath, keepRunIds: ["k1"] });
    expect(result.removedRunIds).toEqual(["gone", "old1", "old2"]);
    expect((await listWorktrees(repoPath)).map((w) => path.basename(w.path))).toEqual(["project", "run-k1"]);
    expect(sh(repoPath, "branch", "--format=%(refname:short)").split("\n").sort()).toEqual(["autocode/run-k1", "main"]);
  });
});

describe("headCommit", () => {
  /** With no git on PATH: whatever answers comes from git's files. */
  async function withoutGit<T>(read: () => Promise<T>): Promise<T> {
    const saved = process.env.PATH;
    process.env.PATH = "/nonexistent";
    try {
      return await read();
    } finally {
      process.env.PATH = saved;
    }
  }

  it("reads HEAD from git's files in a repository, a run's worktree and a detached HEAD, and asks git when the ref is packed", async () => {
    const worktree = await createRunWorktree({ repoPath, runId: "head1" });
    expect(worktree.baseCommit).toBe(sh(repoPath, "rev-parse", "HEAD"));
    await writeFile(path.join(worktree.worktreePath, "new.py"), "Y = 2\n");
    const committed = await commitStep({ worktreePath: worktree.worktreePath, message: "step" });
    expect(committed?.commit).toBe(sh(worktree.worktreePath, "rev-parse", "HEAD"));
    expect(committed?.commit).not.toBe(worktree.baseCommit);
    expect(await withoutGit(() => headCommit(worktree.worktreePath))).toBe(committed?.commit);
    expect(await withoutGit(() => headCommit(repoPath))).toBe(worktree.baseCommit);
    // Packed: no loose ref file is left, so only git can answer.
    sh(repoPath, "pack-refs", "--all");
    await expect(withoutGit(() => headCommit(worktree.worktreePath))).rejects.toThrow();
    expect(await headCommit(worktree.worktreePath)).toBe(committed?.commit);
    sh(worktree.worktreePath, "checkout", "-q", "--detach", worktree.baseCommit);
    expect(await withoutGit(() => headCommit(worktree.worktreePath))).toBe(worktree.baseCommit);
  });
});

describe("mergeRun", () => {
  it("fast-forwards main and updates the checked-out working copy", async () => {
    const run = await createRunWorktree({ repoPath, runId: "ff" });
    await writeFile(path.join(run.worktreePath, "app.py"), "def main():\n    return 42\n");
    const step = await commitStep({ worktreePath: run.worktreePath, message: "answer" });
    const result = await mergeRun({ repoPath, branch: run.branch });
    expect(result).toEqual({ ok: true, kind: "fast-forward", into: "main", commit: step!.commit });
    expect(sh(repoPath, "rev-parse", "HEAD")).toBe(step!.commit);
    expect(await readDisk(path.join(repoPath, "app.py"), "utf8")).toBe("def main():\n    return 42\n");
    expect(sh(repoPath, "status", "--porcelain")).toBe("");
    expect(await mergeRun({ repoPath, branch: run.branch })).toMatchObject({ ok: true, kind: "up-to-date" });
  });

  it("makes a merge commit when main moved on, keeping the working copy consistent", async () => {
    const run = await createRunWorktree({ repoPath, runId: "m1" });
    await writeFile(path.join(run.worktreePath, "util.py"), "X = 2\n");
    await commitStep({ worktreePath: run.worktreePath, message: "util" });
    await writeFile(path.join(repoPath, "app.py"), "def main():\n    return 3\n");
    sh(repoPath, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qam", "main moves");
    const result = await mergeRun({ repoPath, branch: run.branch });
    expect(result).toMatchObject({ ok: true, kind: "merge", into: "main" });
    expect(sh(repoPath, "log", "-1", "--format=%P").split(" ")).toHaveLength(2);
    expect(sh(repoPath, "log", "-1", "--format=%s")).toBe("Merge branch 'autocode/run-m1' into main");
    expect(sh(repoPath, "status", "--porcelain")).toBe("");
    expect(await readDisk(path.join(repoPath, "util.py"), "utf8")).toBe("X = 2\n");
    expect(await readDisk(path.join(repoPath, "app.py"), "utf8")).toBe("def main():\n    return 3\n");
  });

  it("reports a conflict naming the files and leaves HEAD, index and working tree untouched", async () => {
    const [a, b] = await Promise.all([createRunWorktree({ repoPath, runId: "c1" }), createRunWorktree({ repoPath, runId: "c2" })]);
    await writeFile(path.join(a.worktreePath, "app.py"), "def main():\n    return 'a'\n");
    await writeFile(path.join(b.worktreePath, "app.py"), "def main():\n    return 'b'\n");
    await commitStep({ worktreePath: a.worktreePath, message: "a" });
    await commitStep({ worktreePath: b.worktreePath, message: "b" });
    expect(await mergeRun({ repoPath, branch: a.branch })).toMatchObject({ ok: true, kind: "fast-forward" });
    // An unrelated local edit in the working copy must survive the failed merge too.
    await writeFile(path.join(repoPath, "util.py"), "X = 'local'\n");

    const before = await snapshot(repoPath);
    const result = await mergeRun({ repoPath, branch: b.branch });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.conflicts).toEqual(["app.py"]);
    expect(result.message).toContain("conflicts in 1 file: app.py");
    expect(await snapshot(repoPath)).toEqual(before);
    expect(await readDisk(path.join(repoPath, ".git/MERGE_HEAD")).catch(() => "absent")).toBe("absent");
  });

  it("refuses when the working copy has local edits the merge would overwrite, changing nothing", async () => {
    const run = await createRunWorktree({ repoPath, runId: "d1" });
    await writeFile(path.join(run.worktreePath, "app.py"), "def main():\n    return 'run'\n");
    await commitStep({ worktreePath: run.worktreePath, message: "run" });
    await writeFile(path.join(repoPath, "app.py"), "def main():\n    return 'local'\n");
    const before = await snapshot(repoPath);
    const result = await mergeRun({ repoPath, branch: run.branch });
    expect(result).toMatchObject({ ok: false, conflicts: ["app.py"] });
    expect(await snapshot(repoPath)).toEqual(before);
  });

  it("updates a branch that is not checked out with a ref update", async () => {
    sh(repoPath, "branch", "release");
    const run = await createRunWorktree({ repoPath, runId: "rel" });
    await writeFile(path.join(run.worktreePath, "r.txt"), "r\n");
    const step = await commitStep({ worktreePath: run.worktreePath, message: "r" });
    const headBefore = sh(repoPath, "rev-parse", "HEAD");
    expect(await mergeRun({ repoPath, branch: run.branch, into: "release" })).toMatchObject({ ok: true, kind: "fast-forward", commit: step!.commit });
    expect(sh(repoPath, "rev-parse", "release")).toBe(step!.commit);
    expect(sh(repoPath, "rev-parse", "HEAD")).toBe(headBefore);
  });
});

describe("a project reached through a symlinked parent directory", () => {
  it("still finds and cleans up its run worktrees", async () => {
    const { symlink } = await import("node:fs/promises");
    const linkedParent = `${dir}-link`;
    await symlink(dir, linkedParent);
    const viaLink = path.join(linkedParent, "project");
    try {
      await createRunWorktree({ repoPath: viaLink, runId: "s1" });
      await removeRunWorktree({ repoPath: viaLink, runId: "s1", deleteBranch: true });
      expect((await listWorktrees(viaLink)).map((w) => path.basename(w.path))).toEqual(["project"]);
      await createRunWorktree({ repoPath: viaLink, runId: "s2" });
      expect((await cleanupWorktrees({ repoPath: viaLink, keepRunIds: [] })).removedRunIds).toEqual(["s2"]);
      expect(sh(repoPath, "worktree", "list", "--porcelain")).not.toContain("run-s2");
    } finally {
      await rm(linkedParent);
    }
  });
});
