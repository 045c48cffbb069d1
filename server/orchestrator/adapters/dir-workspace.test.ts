import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createDirWorkspace } from "./dir-workspace";

const dirs: string[] = [];
const gitIn = (root: string, ...args: string[]) => execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.test", ...args], { cwd: root, encoding: "utf8" });

function repository(): string {
  const root = mkdtempSync(path.join(os.tmpdir(), "dir-workspace-"));
  dirs.push(root);
  gitIn(root, "init", "-q");
  for (const file of ["keep.py", "change.py", "gone.py", "untouched.py"]) writeFileSync(path.join(root, file), `# ${file}\n`);
  gitIn(root, "add", "-A");
  gitIn(root, "commit", "-q", "-m", "base");
  return root;
}

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("createDirWorkspace().commitStep", () => {
  it("commits exactly the step's paths: new, changed and deleted files; a path neither present nor tracked is skipped", async () => {
    const root = repository();
    writeFileSync(path.join(root, "new.py"), "x = 1\n");
    writeFileSync(path.join(root, "change.py"), "# changed\n");
    unlinkSync(path.join(root, "gone.py"));
    writeFileSync(path.join(root, "untouched.py"), "# changed outside the step\n");
    const commit = await createDirWorkspace(root).commitStep({ message: "s1 [passed]: a step", paths: ["new.py", "change.py", "gone.py", "never-written.py"] });
    expect(commit).toBe(gitIn(root, "rev-parse", "HEAD").trim());
    expect(gitIn(root, "show", "--name-status", "--format=%s", "HEAD").trim().split("\n").filter(Boolean)).toEqual(["s1 [passed]: a step", "M\tchange.py", "D\tgone.py", "A\tnew.py"]);
    // What the step did not name stays out of its commit.
    expect(gitIn(root, "status", "--porcelain")).toBe(" M untouched.py\n");
  });

  it("leaves no empty commit when the step's paths did not change, and none for paths that never existed", async () => {
    const root = repository();
    const head = gitIn(root, "rev-parse", "HEAD");
    const workspace = createDirWorkspace(root);
    expect(await workspace.commitStep({ message: "nothing", paths: ["keep.py"] })).toBeNull();
    expect(await workspace.commitStep({ message: "nothing either", paths: ["never-written.py"] })).toBeNull();
    expect(gitIn(root, "rev-parse", "HEAD")).toBe(head);
  });
});
