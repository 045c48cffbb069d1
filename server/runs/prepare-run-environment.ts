import type { Db } from "@/server/db/client";
import { ensureEnvironment } from "@/server/environments/ensure-environment";
import { startBaseline } from "@/server/environments/start-baseline";
import type { SandboxPort } from "@/server/orchestrator/ports";
import type { RunEnvironment } from "@/server/orchestrator/verify-suite";
import type { RunEventBody, RunEventInput } from "./events/contract";
import { appendRunEvent } from "./run-events";

/**
 * Before a run's first step: its project's environment image (reused, built, or waited for; a failed setup
 * refuses the run with its message) and the repository's suite on the base commit (cached or started now).
 * A repository with no recognisable language runs as before: SANDBOX_IMAGE, pytest beside the module.
 */
export async function prepareRunEnvironment(options: {
  db: Db;
  runId: string;
  projectId: string;
  worktreePath: string;
  baseCommit: string;
  sandbox: SandboxPort;
  signal?: AbortSignal;
}): Promise<RunEnvironment | undefined> {
  const { db, runId } = options;
  const emit = (event: RunEventBody) => appendRunEvent(db, { runId, ...event } as RunEventInput).catch(() => undefined);
  let waiting = false;
  const ready = await ensureEnvironment({
    db,
    projectId: options.projectId,
    repoRoot: options.worktreePath,
    trigger: "first run",
    signal: options.signal,
    onNotice: (notice) => {
      if (notice.kind === "waiting" && !waiting) {
        waiting = true;
        void emit({ type: "environment.waiting", payload: { reason: notice.reason } });
      } else if (notice.kind === "building") void emit({ type: "environment.building", payload: { trigger: notice.trigger } });
    },
  });
  if (ready.language === "none") return undefined;
  const profile = {
    language: ready.language,
    framework: ready.framework,
    testCommand: ready.testCommand,
    testFiles: ready.detected.testFiles,
    testDirs: ready.detected.testDirs,
  };
  await emit({ type: "environment.ready", payload: { language: ready.language, framework: profile.framework, image: ready.imageTag, built: ready.built, testCommand: ready.testCommand?.shell ?? null } });
  // SANDBOX_IMAGE itself comes from the warm pool; any other image starts its own container.
  const image = ready.imageTag === ready.baseImage && ready.language === "python" ? undefined : ready.imageTag;
  if (!ready.testCommand) return { image, profile };
  const baseline = await startBaseline({
    db,
    runId,
    projectId: options.projectId,
    commit: options.baseCommit,
    inputsHash: ready.inputsHash,
    image: ready.imageTag,
    testCommand: ready.testCommand,
    worktreePath: options.worktreePath,
    sandbox: options.sandbox,
    signal: options.signal,
    nodeModules: ready.language === "node",
  });
  return { image, profile, baseline: baseline.result };
}
