import { cpSync, mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { buildEnvironmentImage } from "@/server/environments/build-environment-image";
import { resolveEnvironment, type ResolvedEnvironment } from "@/server/environments/resolve-environment";
import type { RunEnvironment } from "@/server/orchestrator/verify-suite";
import { getDocker } from "@/server/sandbox/docker-client";
import { FIXTURES } from "@/tests/environments/fixture-repos";

/** Builds a checkout's environment image (its setup script on its base image); the build's duration. */
export async function buildFixtureImage(dir: string, resolved: ResolvedEnvironment): Promise<number> {
  const result = await buildEnvironmentImage({
    repoRoot: dir,
    baseImage: resolved.baseImage,
    setupScript: resolved.setupScript,
    imageTag: resolved.imageTag,
    labels: { "ai.autocode.env-inputs": resolved.inputsHash, "ai.autocode.env-language": resolved.language },
    timeoutMs: resolved.setupTimeoutMs,
    secrets: {},
    workspaceLimitBytes: 512 * 1024 * 1024,
  });
  if (!result.ok) throw new Error(`environment build failed: ${result.error}\n${result.log.slice(-2000)}`);
  return result.durationMs;
}

/** A checkout's environment, its image built once and then reused by tag like a project's. */
export async function ensureFixtureImage(dir: string): Promise<ResolvedEnvironment> {
  const resolved = await resolveEnvironment({ repoRoot: dir, overrides: null });
  const exists = await getDocker().getImage(resolved.imageTag).inspect().then(() => true, () => false);
  if (!exists) await buildFixtureImage(dir, resolved);
  return resolved;
}

/**
 * The ts-mathkit fixture's project environment (vitest installed by npm ci on the Node base image) and its files,
 * for orchestrator tests that run a TypeScript repository without a database.
 */
export async function mathkitEnvironment(): Promise<RunEnvironment & { files: Record<string, string> }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "mathkit-env-"));
  cpSync(path.join(FIXTURES, "ts-mathkit"), dir, { recursive: true });
  const resolved = await ensureFixtureImage(dir);
  const { detected } = resolved;
  const files = Object.fromEntries(["package.json", "package-lock.json", "src/math.ts", "src/math.test.ts"].map((f) => [f, readFileSync(path.join(dir, f), "utf8")]));
  return {
    image: resolved.imageTag,
    profile: { language: "node", framework: detected.framework, testCommand: resolved.testCommand, testFiles: detected.testFiles, testDirs: detected.testDirs },
    files,
  };
}
