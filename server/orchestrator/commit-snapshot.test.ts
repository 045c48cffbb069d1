import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { snapshotCommit } from "@/server/orchestrator/adapters/commit-snapshot";
import { createDirWorkspace } from "@/server/orchestrator/adapters/dir-workspace";

const git = (cwd: string, ...args: string[]) => execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@t", ...args], { cwd, encoding: "utf8" }).trim();

function repo(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "snapshot-"));
  for (const [name, content] of Object.entries(files)) writeFileSync(path.join(dir, name), content);
  git(dir, "init", "-q", "-b", "main");
  git(dir, "add", "-A");
  git(dir, "commit", "-qm", "base");
  return dir;
}

describe("snapshotCommit (git archive of the branch head)", () => {
  it("is exactly the committed tree: uncommitted edits and untracked files of the worktree are not in it", async () => {
    const dir = repo({ "calc.py": "def add(a, b):\n    return a + b\n", "run.sh": "#!/bin/sh\n" });
    writeFileSync(path.join(dir, "calc.py"), "def add(a, b):\n    return 42\n");
    writeFileSync(path.join(dir, "conftest.py"), "# untracked\n");
    const snapshot = (await createDirWorkspace(dir).snapshot())!;
    try {
      expect(await snapshot.workspace.readFile("calc.py")).toBe("def add(a, b):\n    return a + b\n");
      expect(await snapshot.workspace.readFile("conftest.py")).toBeNull();
      expect((await snapshot.workspace.packTree({ limitBytes: 1e6, limitName: "X" })).paths.sort()).toEqual(["calc.py", "run.sh"]);
      expect(await snapshot.workspace.head!()).toEqual({ commit: git(dir, "rev-parse", "HEAD"), tree: git(dir, "rev-parse", "HEAD^{tree}") });
      await expect(snapshot.workspace.applyEdit({ kind: "write", path: "x", content: "" })).rejects.toThrow(/read-only/);
    } finally {
      await snapshot.dispose();
    }
  });

  it("refuses a tree whose .gitattributes would make git archive leave files out or rewrite them", async () => {
    const dir = repo({ "calc.py": "x = 1\n", ".gitattributes": "test_*.py export-ignore\n" });
    await expect(snapshotCommit({ repoPath: dir, commit: "HEAD" })).rejects.toMatchObject({ userMessage: expect.stringMatching(/export-ignore or export-subst/) });
  });
});
