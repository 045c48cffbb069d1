import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { resetEnvForTests } from "@/server/env";
import { getDocker } from "@/server/sandbox/docker-client";
import { DockerSandbox } from "@/server/sandbox/docker-sandbox";
import { requireDocker } from "@/server/sandbox/docker-test-guard";
import { buildFixtureImage, openFixtureSession, removeImage } from "./fixture-image";
import { FIXTURES } from "./fixture-repos";

const dockerReady = await requireDocker("pnpm and yarn environments");
// vitest's first start in a 0.5-CPU container takes more than the default 30 s on this loaded 2-core machine.
process.env.SANDBOX_TIMEOUT = "180";
resetEnvForTests();
vi.setConfig({ testTimeout: 600000, hookTimeout: 600000 });

const tags: string[] = [];
const tagFor = (name: string) => {
  const tag = `autocodeai-env:test-${name}-${process.pid}`;
  tags.push(tag);
  return tag;
};

describe.skipIf(!dockerReady)("pnpm and yarn repositories: detected by lockfile, installed in the setup container from the registry, tested offline", () => {
  let sandbox: DockerSandbox;

  beforeAll(() => {
    sandbox = new DockerSandbox({ poolSize: 0 });
  });

  afterAll(async () => {
    await sandbox?.shutdown();
    for (const tag of tags) await removeImage(tag);
  });

  it("pnpm: pnpm install --frozen-lockfile (pnpm's symlinked layout), then the repository's vitest suite passes with no network", async () => {
    const repo = path.join(FIXTURES, "ts-pnpmkit");
    const tag = tagFor("pnpm");
    const resolved = await buildFixtureImage(repo, tag);
    expect(resolved.language).toBe("node");
    expect(resolved.framework).toBe("vitest");
    expect(resolved.setupScript).toMatch(/pnpm install --frozen-lockfile/);
    const session = await openFixtureSession(sandbox, "test-pnpm-env", repo, tag);
    try {
      // The workspace's node_modules links each entry to the image's, where pnpm's own links lead into .pnpm.
      const layout = await session.exec(["sh", "-c", "readlink node_modules/vitest; readlink /opt/autocode-env/node_modules/vitest; ls -d node_modules/.pnpm/vitest@2.1.9*"]);
      const [link, inImage] = layout.stdout.split("\n");
      expect(link).toBe("/opt/autocode-env/node_modules/vitest");
      expect(inImage).toMatch(/^\.pnpm\/vitest@2\.1\.9/);
      const suite = await session.runSuite(resolved.testCommand!);
      expect(suite.tests.map((t) => [t.name, t.status]).sort()).toEqual([
        ["math > adds", "passed"],
        ["math > clamps", "passed"],
      ]);
      expect(suite.passed).toBe(true);
    } finally {
      await session.close();
    }
  });

  it("yarn: yarn install --frozen-lockfile, then the repository's node:test suite imports the installed dependency", async () => {
    const repo = path.join(FIXTURES, "js-yarnkit");
    const tag = tagFor("yarn");
    const resolved = await buildFixtureImage(repo, tag);
    expect(resolved.framework).toBe("node:test");
    expect(resolved.setupScript).toMatch(/yarn install --frozen-lockfile/);
    const session = await openFixtureSession(sandbox, "test-yarn-env", repo, tag);
    try {
      const suite = await session.runSuite(resolved.testCommand!);
      expect(suite.tests.map((t) => [t.name, t.status])).toEqual([["an hour in seconds", "passed"]]);
      expect(suite.passed).toBe(true);
      const offline = await session.exec(["node", "-e", "require('https').get('https://registry.npmjs.org/ms', () => process.exit(0)).on('error', (e) => { console.log(e.code); process.exit(3); })"]);
      expect(offline.exitCode).toBe(3);
    } finally {
      await session.close();
    }
  });

  it("Yarn berry (Plug'n'Play): yarn install --immutable from the registry, then the node:test suite runs through yarn offline, packages from the image's cache", async () => {
    const repo = path.join(FIXTURES, "js-berrykit");
    const tag = tagFor("berry");
    const resolved = await buildFixtureImage(repo, tag);
    expect(resolved.framework).toBe("node:test");
    expect(resolved.setupScript).toMatch(/yarn install --immutable/);
    expect(resolved.testCommand?.shell).toMatch(/^yarn node --test /);
    const session = await openFixtureSession(sandbox, "test-berry-env", repo, tag);
    try {
      // No node_modules anywhere: the project's .pnp.cjs (copied from the image) resolves ms from the image's cache.
      const layout = await session.exec(["sh", "-c", "ls -a; ls /opt/autocode-env/yarn-cache"]);
      expect(layout.stdout).toMatch(/^\.pnp\.cjs$/m);
      expect(layout.stdout).not.toMatch(/^node_modules$/m);
      expect(layout.stdout).toMatch(/^ms-npm-2\.1\.3-.*\.zip$/m);
      const suite = await session.runSuite(resolved.testCommand!);
      expect(suite.tests.map((t) => [t.name, t.status])).toEqual([["an hour in seconds", "passed"]]);
      expect(suite.passed).toBe(true);
      const offline = await session.exec(["node", "-e", "require('https').get('https://registry.npmjs.org/ms', () => process.exit(0)).on('error', (e) => { console.log(e.code); process.exit(3); })"]);
      expect(offline.exitCode).toBe(3);
    } finally {
      await session.close();
    }
  });

  it.each([
    { fixture: "js-yarnkit", command: "yarn install --frozen-lockfile", says: /lockfile needs to be updated/ },
    { fixture: "js-berrykit", command: "yarn install --immutable", says: /lockfile would have been modified by this install, which is explicitly forbidden/ },
  ])("$fixture: a yarn.lock that does not match package.json fails $command with the command named, and no image is kept", async ({ fixture, command, says }) => {
    const repo = path.join(mkdtempSync(path.join(os.tmpdir(), "env-yarn-stale-")), "repo");
    cpSync(path.join(FIXTURES, fixture), repo, { recursive: true });
    const manifest = JSON.parse(readFileSync(path.join(repo, "package.json"), "utf8")) as { dependencies: Record<string, string> };
    manifest.dependencies.ms = "2.1.2";
    writeFileSync(path.join(repo, "package.json"), JSON.stringify(manifest, null, 2));
    const tag = tagFor(`${fixture}-stale`);
    const failure = await buildFixtureImage(repo, tag).then(() => null, (error: Error) => error.message);
    expect(failure).toMatch(new RegExp(`the setup failed \\(exit code \\d+\\) at: .*${command}`));
    expect(failure).toMatch(says);
    expect(await getDocker().getImage(tag).inspect().then(() => true, () => false)).toBe(false);
  });
});
