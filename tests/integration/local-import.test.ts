import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resetEnvForTests } from "@/server/env";
import { callerFor, createTestUser, testDb } from "../helpers/db";
import { messageOf } from "../helpers/trpc-errors";

/** Local import by a file:// URL and from a bare repository, both only under LOCAL_IMPORT_ROOTS. */
let tmp: string;
let userId: string;
const saved = process.env.LOCAL_IMPORT_ROOTS;
const git = (cwd: string, ...args: string[]) => execFileSync("git", args, { cwd, stdio: "pipe", env: { ...process.env, GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@t", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@t" } });

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), "local-import-"));
  const work = path.join(tmp, "imports", "calc");
  mkdirSync(work, { recursive: true });
  git(work, "init", "--quiet", "--initial-branch=trunk");
  writeFileSync(path.join(work, "calc.py"), "def add(a, b):\n    return a + b\n");
  git(work, "add", ".");
  git(work, "commit", "--quiet", "-m", "add");
  git(path.join(tmp, "imports"), "clone", "--quiet", "--bare", "calc", "calc.git");
  mkdirSync(path.join(tmp, "elsewhere"));
  git(path.join(tmp, "elsewhere"), "clone", "--quiet", "--bare", work, "outside.git");
  process.env.LOCAL_IMPORT_ROOTS = path.join(tmp, "imports");
  resetEnvForTests();
  userId = (await createTestUser("importer")).id;
});

afterAll(() => {
  process.env.LOCAL_IMPORT_ROOTS = saved;
  resetEnvForTests();
  rmSync(tmp, { recursive: true, force: true });
});

describe("local import", () => {
  it("imports a working copy named by a file:// URL", async () => {
    const url = pathToFileURL(path.join(tmp, "imports", "calc")).href;
    const project = await callerFor(userId).project.create({ name: "by-file-url", source: { kind: "url", url } });
    expect(project).toMatchObject({ source: "LOCAL", sourceRef: path.join(tmp, "imports", "calc"), defaultBranch: "trunk" });
    const row = await testDb().project.findUniqueOrThrow({ where: { id: project.id } });
    expect(readFileSync(path.join(row.repoPath, "calc.py"), "utf8")).toContain("return a + b");
  });

  it("imports a bare repository by its path, checked out", async () => {
    const project = await callerFor(userId).project.create({ name: "bare", source: { kind: "local", path: path.join(tmp, "imports", "calc.git") } });
    expect(project.defaultBranch).toBe("trunk");
    const row = await testDb().project.findUniqueOrThrow({ where: { id: project.id } });
    expect(existsSync(path.join(row.repoPath, "calc.py"))).toBe(true);
  });

  it("refuses file:// and bare paths outside LOCAL_IMPORT_ROOTS, writing nothing", async () => {
    const before = await testDb().project.count();
    const outside = pathToFileURL(path.join(tmp, "elsewhere", "outside.git")).href;
    expect(await messageOf(callerFor(userId).project.create({ name: "outside", source: { kind: "url", url: outside } }))).toMatch(/outside LOCAL_IMPORT_ROOTS/);
    expect(await messageOf(callerFor(userId).project.create({ name: "remote-file", source: { kind: "url", url: "file://other-host/repo" } }))).toMatch(/not a file:\/\/ URL/);
    expect(await testDb().project.count()).toBe(before);
  });
});
