import { cpSync, mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { env } from "@/server/env";
import { buildEnvironmentImage } from "@/server/environments/build-environment-image";
import { resolveEnvironment } from "@/server/environments/resolve-environment";
import type { RunEnvironment } from "@/server/orchestrator/verify-suite";
import { getDocker } from "@/server/sandbox/docker-client";
import { FIXTURES } from "@/tests/environments/fixture-repos";

/**
 * The ts-mathkit fixture's project environment (vitest installed by npm ci on the Node base image), built once
 * and reused by tag like a project's, for orchestrator tests that run a TypeScript repository without a database.
 */
export async function mathkitEnvironment(): Promise<RunEnvironment & { files: Record<string, string> }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "mathkit-env-"));
  cpSync(path.join(FIXTURES, "ts-mathkit"), dir, { recursive: true });
  const resolved = await resolveEnvironment({ repoRoot: dir, overrides: null });
  const exists = await getDocker().getImage(resolved.imageTag).inspect().then(() => true, () => false);
  if (!exists) {
    const built = await buildEnvironmentImage({
      repoRoot: dir,
      baseImage: resolved.baseImage,
      setupScript: resolved.setupScript,
      imageTag: resolved.imageTag,
      labels: { "ai.autocode.env-inputs": resolved.inputsHash, "ai.autocode.env-language": resolved.language },
      timeoutMs: resolved.setupTimeoutMs,
      secrets: {},
      workspaceLimitBytes: env().SANDBOX_WORKSPACE_MB * 1024 * 1024,
    });
    if (!built.ok) throw new Error(`the ts-mathkit environment could not be built: ${built.error}\n${built.log}`);
  }
  const { detected } = resolved;
  const { readFileSync } = await import("node:fs");
  const files = Object.fromEntries(["package.json", "package-lock.json", "src/math.ts", "src/math.test.ts"].map((f) => [f, readFileSync(path.join(dir, f), "utf8")]));
  return {
    image: resolved.imageTag,
    profile: { language: "node", framework: detected.framework, testCommand: resolved.testCommand, testFiles: detected.testFiles, testDirs: detected.testDirs },
    files,
  };
}
