import { env } from "@/server/env";
import { writeNodeTree } from "@/server/environments/node-modules-links";
import type { PackedDirectory } from "@/server/sandbox/pack-directory";
import type { SandboxSession, Workspace } from "./ports";
import type { RunEventLog } from "./run-event-log";

/** The workspace as the tar stream a sandbox is seeded with (refused whole over SANDBOX_WORKSPACE_MB); packable before the container is there. */
export function packForSandbox(workspace: Workspace): Promise<PackedDirectory> {
  return workspace.packTree({ limitBytes: env().SANDBOX_WORKSPACE_MB * 1024 * 1024, limitName: "SANDBOX_WORKSPACE_MB" });
}

/**
 * Puts the repository into a run's fresh sandbox as one tar stream (Docker putArchive), refusing it whole
 * when it is over SANDBOX_WORKSPACE_MB, and records what went in: files, bytes, links left out, time.
 */
export async function seedSandbox(options: { session: SandboxSession; workspace: Workspace; log: RunEventLog; nodeModules?: boolean; image?: string; packed?: PackedDirectory }): Promise<void> {
  const started = performance.now();
  const tree = options.packed ?? (await packForSandbox(options.workspace));
  // ESM imports ignore NODE_PATH: the environment's node_modules must be found from /workspace upwards.
  if (options.nodeModules) await writeNodeTree(options.session, tree, options.image);
  else if (tree.files > 0) await options.session.writeTree(tree);
  await options.log.emit("sandbox.seeded", {
    files: tree.files,
    bytes: tree.bytes,
    limitBytes: env().SANDBOX_WORKSPACE_MB * 1024 * 1024,
    // Symlinks out of the repository are never followed; the model should know why a file is missing.
    skippedLinks: tree.skipped.slice(0, 50),
    durationMs: Math.round(performance.now() - started),
  });
}
