import { getDocker } from "@/server/sandbox/docker-client";
import { buildEnvironmentImage } from "@/server/environments/build-environment-image";
import { writeNodeTree } from "@/server/environments/node-modules-links";
import { resolveEnvironment, type ResolvedEnvironment } from "@/server/environments/resolve-environment";
import type { DockerSandbox } from "@/server/sandbox/docker-sandbox";
import { packDirectory } from "@/server/sandbox/pack-directory";
import type { DockerSandboxSession } from "@/server/sandbox/sandbox-session";

/** Builds a fixture's detected environment in a real setup container (with network) under the test's own tag. */
export async function buildFixtureImage(repoRoot: string, tag: string): Promise<ResolvedEnvironment> {
  const resolved = await resolveEnvironment({ repoRoot, overrides: null });
  const built = await buildEnvironmentImage({
    repoRoot,
    baseImage: resolved.baseImage,
    setupScript: resolved.setupScript,
    imageTag: tag,
    labels: {},
    timeoutMs: 480_000,
    secrets: {},
    workspaceLimitBytes: 64 * 1024 * 1024,
  });
  if (!built.ok) throw new Error(`${built.error}\n${built.log.slice(-3000)}`);
  return resolved;
}

/** A run's sandbox from that image, seeded as a run seeds it: the repository plus the node_modules link. */
export async function openFixtureSession(sandbox: DockerSandbox, runId: string, repoRoot: string, tag: string): Promise<DockerSandboxSession> {
  const session = await sandbox.openSession(runId, { image: tag });
  const tree = await packDirectory({ root: repoRoot, limitBytes: 64 * 1024 * 1024, limitName: "test" });
  await writeNodeTree(session, tree, tag);
  return session;
}

export async function removeImage(tag: string): Promise<void> {
  await getDocker().getImage(tag).remove({ force: true }).catch(() => undefined);
}
