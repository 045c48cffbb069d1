import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppError } from "@/server/errors";
import { requireDocker } from "./docker-test-guard";
import { DockerSandbox } from "./docker-sandbox";
import { listOwnContainers } from "./index";
import { packDirectory, withEntries } from "./pack-directory";
import { writeTar } from "./tar-writer";
import type { DockerSandboxSession } from "./sandbox-session";

const dockerReady = await requireDocker("tar seed tests");

function makeRepo(options: { links?: boolean } = {}): string {
  const root = mkdtempSync(path.join(os.tmpdir(), "pack-"));
  mkdirSync(path.join(root, "pkg/deep/" + "d".repeat(60) + "/" + "e".repeat(60)), { recursive: true });
  writeFileSync(path.join(root, "pkg/__init__.py"), "");
  writeFileSync(path.join(root, "pkg/calc.py"), "def add(a, b):\n    return a + b\n");
  writeFileSync(path.join(root, "test_calc.py"), "from pkg.calc import add\n\ndef test_add():\n    assert add(2, 3) == 5\n");
  writeFileSync(path.join(root, "pkg/deep/" + "d".repeat(60) + "/" + "e".repeat(60) + "/long_name.txt"), "long path\n");
  writeFileSync(path.join(root, "blob.bin"), Buffer.from([0, 1, 2, 255, 0]));
  writeFileSync(path.join(root, "run.sh"), "#!/bin/sh\necho ran\n", { mode: 0o755 });
  if (options.links !== false) {
    symlinkSync("pkg/calc.py", path.join(root, "calc_link.py"));
    symlinkSync("/etc/passwd", path.join(root, "passwd_link"));
    symlinkSync("../../outside", path.join(root, "pkg/escape"));
  }
  mkdirSync(path.join(root, ".git"));
  writeFileSync(path.join(root, ".git/HEAD"), "ref: refs/heads/main\n");
  return root;
}

describe("packDirectory", () => {
  it("lists files, keeps links inside the repository, leaves links out of it and .git behind", async () => {
    const root = makeRepo();
    try {
      const packed = await packDirectory({ root, limitBytes: 1024 * 1024, limitName: "SANDBOX_WORKSPACE_MB" });
      expect(packed.skipped.sort()).toEqual(["passwd_link", "pkg/escape"]);
      expect(packed.files).toBe(6);
      expect(packed.links).toBe(1);
      const chunks: Buffer[] = [];
      for await (const chunk of packed.open()) chunks.push(chunk as Buffer);
      const tarFile = path.join(root, "..", `${path.basename(root)}.tar`);
      writeFileSync(tarFile, Buffer.concat(chunks));
      const listing = execFileSync("tar", ["-tvf", tarFile], { encoding: "utf8" });
      rmSync(tarFile);
      expect(listing).toContain("calc_link.py -> pkg/calc.py");
      expect(listing).toContain("e".repeat(60) + "/long_name.txt");
      expect(listing).toMatch(/-rwxr-xr-x .* run\.sh/);
      expect(listing).not.toContain("passwd");
      expect(listing).not.toContain(".git");
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it("stays a well-formed archive when a file changes or vanishes while it streams (a parallel step's edit)", async () => {
    const entries = [
      { type: "file" as const, path: "grew.txt", size: 3, mode: 0o644, open: async function* () { yield Buffer.from("abcdef"); } },
      { type: "file" as const, path: "gone.txt", size: 4, mode: 0o644, open: async function* () { yield Buffer.from("ab"); throw new Error("ENOENT"); } },
    ];
    const chunks: Buffer[] = [];
    for await (const chunk of writeTar(entries)) chunks.push(chunk);
    const tarFile = path.join(os.tmpdir(), `torn-${process.pid}.tar`);
    writeFileSync(tarFile, Buffer.concat(chunks));
    try {
      expect(execFileSync("tar", ["-tvf", tarFile], { encoding: "utf8" })).toMatch(/ 3 .*grew\.txt\n.* 4 .*gone\.txt/s);
      expect(execFileSync("tar", ["-xOf", tarFile, "grew.txt"], { encoding: "utf8" })).toBe("abc");
    } finally {
      rmSync(tarFile);
    }
  });

  it("refuses a repository over the limit, naming it, before anything is sent", async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), "pack-big-"));
    try {
      writeFileSync(path.join(root, "big.bin"), Buffer.alloc(3 * 1024 * 1024));
      const refused = packDirectory({ root, limitBytes: 2 * 1024 * 1024, limitName: "SANDBOX_WORKSPACE_MB" });
      await expect(refused).rejects.toThrow(AppError);
      await expect(refused).rejects.toMatchObject({ userMessage: expect.stringMatching(/limit of 2 MB \(SANDBOX_WORKSPACE_MB\)/) });
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

/** Writes a wrong add() after seeding, kills the container, and checks the replacement runs the wrong code. */
async function breakThenReplaceContainer(session: DockerSandboxSession): Promise<void> {
  await session.writeFiles([{ path: "pkg/calc.py", content: "def add(a, b):\n    return a - b\n" }]);
  const box = (session as unknown as { box?: { container: { kill(): Promise<unknown> } } }).box;
  await box?.container.kill();
  const again = await session.runPytest({ testPaths: ["test_calc.py"] });
  expect(again.passed).toBe(false);
  expect(again.failureReason).toMatch(/1 test failed/);
}

/** Counts putArchive calls on the session's current container (a small tree's other path is the runner's untar). */
function countPutArchives(session: DockerSandboxSession): { count: number } {
  const counter = { count: 0 };
  const container = (session as unknown as { box?: { container: { putArchive: (...args: unknown[]) => Promise<unknown> } } }).box!.container;
  const original = container.putArchive.bind(container);
  container.putArchive = (...args) => {
    counter.count++;
    return original(...args);
  };
  return counter;
}

/** A sandbox with one session for a describe block; the repository dir and every container go after it. */
function sessionFor(runId: string, root: string): () => DockerSandboxSession {
  let sandbox: DockerSandbox | undefined;
  let session: DockerSandboxSession | undefined;
  beforeAll(async () => {
    sandbox = new DockerSandbox({ poolSize: 0 });
    session = await sandbox.openSession(runId);
  });
  afterAll(async () => {
    await sandbox?.shutdown();
    rmSync(root, { recursive: true, force: true });
    expect(await listOwnContainers()).toEqual([]);
  });
  return () => session!;
}

describe.skipIf(!dockerReady)("writeTree into the sandbox", () => {
  const root = makeRepo();
  // Over the runner's 1 MB: the tree streams in with putArchive.
  writeFileSync(path.join(root, "big.bin"), Buffer.alloc(1536 * 1024, 7));
  const session = sessionFor("test-run-tree", root);

  it("streams the repository in with putArchive; tests import it; links out of it do not exist", async () => {
    const packed = await packDirectory({ root, limitBytes: 4 * 1024 * 1024, limitName: "SANDBOX_WORKSPACE_MB" });
    const putArchives = countPutArchives(session());
    await session().writeTree(packed);
    expect(putArchives.count).toBe(1);
    const result = await session().runPytest({ testPaths: ["test_calc.py"] });
    expect(result.failureReason).toBeUndefined();
    expect(result.passed).toBe(true);
    const look = await session().exec(["sh", "-c", "cat calc_link.py; ./run.sh; stat -c '%u' pkg/calc.py; ls passwd_link pkg/escape 2>&1; od -An -tu1 blob.bin"]);
    expect(look.stdout).toContain("def add");
    expect(look.stdout).toContain("ran");
    expect(look.stdout).toContain("10001");
    expect(look.stdout).toMatch(/passwd_link'?: No such file/);
    expect(look.stdout).toMatch(/0\s+1\s+2\s+255\s+0/);
  });

  it("a replacement container gets the tree again, with later writes on top", async () => {
    await breakThenReplaceContainer(session());
    const look = await session().exec(["cat", "calc_link.py"]);
    expect(look.stdout).toContain("a - b");
  });
});

describe.skipIf(!dockerReady)("writeTree: a small tree without links goes through the resident runner", () => {
  const root = makeRepo({ links: false });
  const session = sessionFor("test-run-small-tree", root);
  it("lands the same files, modes, owner and bytes as putArchive would, and tests import them", async () => {
    const packed = await packDirectory({ root, limitBytes: 1024 * 1024, limitName: "SANDBOX_WORKSPACE_MB" });
    expect(packed.links).toBe(0);
    const putArchives = countPutArchives(session());
    await session().writeTree(packed);
    expect(putArchives.count).toBe(0);
    const result = await session().runPytest({ testPaths: ["test_calc.py"] });
    expect(result.failureReason).toBeUndefined();
    expect(result.passed).toBe(true);
    const look = await session().exec(["sh", "-c", `./run.sh; stat -c '%u %a' pkg/calc.py run.sh; cat pkg/deep/${"d".repeat(60)}/${"e".repeat(60)}/long_name.txt; od -An -tu1 blob.bin; ls -a; ls pkg`]);
    expect(look.stdout).toContain("ran");
    expect(look.stdout).toMatch(/10001 644\n10001 755/);
    expect(look.stdout).toContain("long path");
    expect(look.stdout).toMatch(/0\s+1\s+2\s+255\s+0/);
    expect(look.stdout).not.toContain(".git");
    expect(look.stdout).toContain("__init__.py");
  });

  it("a replacement container gets the tree again the same way, with later writes on top", async () => {
    await breakThenReplaceContainer(session());
    const look = await session().exec(["sh", "-c", "./run.sh; cat pkg/calc.py"]);
    expect(look.stdout).toContain("ran");
    expect(look.stdout).toContain("a - b");
  });
});

describe.skipIf(!dockerReady)("writeTree: a small tree with links goes through the resident runner too", () => {
  const root = makeRepo();
  const session = sessionFor("test-run-linked-tree", root);

  it("makes the tree's links (a repository link, a Node environment's node_modules links) without putArchive; an archive's links are still dropped", async () => {
    const packed = await packDirectory({ root, limitBytes: 1024 * 1024, limitName: "SANDBOX_WORKSPACE_MB" });
    // As writeNodeTree adds them: absolute links into the image, which the runner makes and never follows.
    const tree = withEntries(packed, [
      { type: "dir", path: "node_modules", mode: 0o755 },
      { type: "symlink", path: "node_modules/tool", target: "/usr/lib/python3" },
    ]);
    expect(tree.links).toBe(2);
    const putArchives = countPutArchives(session());
    await session().writeTree(tree);
    expect(putArchives.count).toBe(0);
    const look = await session().exec(["sh", "-c", "readlink calc_link.py node_modules/tool; cat calc_link.py; ls node_modules/tool/ | head -1; ls passwd_link pkg/escape 2>&1"]);
    expect(look.stdout).toContain("pkg/calc.py\n/usr/lib/python3\n");
    expect(look.stdout).toContain("def add");
    expect(look.stdout).toMatch(/passwd_link'?: No such file/);
    expect((await session().runPytest({ testPaths: ["test_calc.py"] })).passed).toBe(true);

    // A tool's archive (a clone made outside the sandbox) keeps the old rule: its links are not made.
    const chunks: Buffer[] = [];
    for await (const chunk of writeTar([{ type: "symlink", path: "cloned/etc", target: "/etc" }, { type: "file", path: "cloned/README", size: 3, mode: 0o644, open: async function* () { yield Buffer.from("hi\n"); } }])) chunks.push(chunk);
    const cloned = Buffer.concat(chunks);
    await session().writeArchive(cloned);
    const archived = await session().exec(["sh", "-c", "cat cloned/README; ls cloned/etc 2>&1"]);
    expect(archived.stdout).toMatch(/hi\n.*cloned\/etc'?: No such file/s);
  });

  it("a link cannot carry a later entry out of the workspace", async () => {
    const escaping = withEntries(await packDirectory({ root, limitBytes: 1024 * 1024, limitName: "SANDBOX_WORKSPACE_MB" }), [
      { type: "symlink", path: "out", target: "/tmp" },
      { type: "file", path: "out/planted.txt", size: 3, mode: 0o644, open: async function* () { yield Buffer.from("no\n"); } },
    ]);
    await expect(session().writeTree(escaping)).rejects.toThrow(/escapes the workspace/);
    // Nor a destination that model code made a link: the archive lands inside the workspace or nowhere.
    await session().exec(["ln", "-s", "/tmp", "/workspace/planted-dest"]);
    const chunks: Buffer[] = [];
    for await (const chunk of writeTar([{ type: "file", path: "dest-planted.txt", size: 3, mode: 0o644, open: async function* () { yield Buffer.from("no\n"); } }])) chunks.push(chunk);
    await expect(session().writeArchive(Buffer.concat(chunks), "planted-dest")).rejects.toThrow(/escapes the workspace/);
    const look = await session().exec(["sh", "-c", "ls /tmp/planted.txt /tmp/dest-planted.txt 2>&1"]);
    expect(look.stdout).toMatch(/planted\.txt'?: No such file.*dest-planted\.txt'?: No such file/s);
  });
});
