import fs from "node:fs/promises";
import path from "node:path";
import type { Db } from "@/server/db/client";
import { decryptSecret } from "@/server/auth/secrets";
import { env } from "@/server/env";
import { AppError } from "@/server/errors";
import { createRunWorktree } from "@/server/git";
import { createLlmClient } from "@/server/llm/create-llm-client";
import { resolveModelSettings, type UserModelOverrides } from "@/server/llm/resolve-model-settings";
import type { LlmMode } from "@/server/env";
import { getMemoryStore } from "@/server/memory/memory-store";
import { createDirWorkspace } from "@/server/orchestrator/adapters/dir-workspace";
import { createSandboxTools } from "@/server/orchestrator/adapters/sandbox-tools";
import type { OrchestratorPorts } from "@/server/orchestrator/ports";
import { runTask } from "@/server/orchestrator/run-task";
import { getSandbox } from "@/server/sandbox";
import { appendRunEvent, PgEventSink } from "./run-events";

const MAX_CONTEXT_FILE_BYTES = 200_000;

function errorText(error: unknown): string {
  if (error instanceof AppError) return error.userMessage;
  return error instanceof Error ? error.message : String(error);
}

async function userOverrides(db: Db, userId: string): Promise<UserModelOverrides | undefined> {
  const row = await db.userModelSettings.findUnique({ where: { userId } });
  if (!row) return undefined;
  return {
    mode: (row.mode ?? undefined) as LlmMode | undefined,
    baseUrl: row.baseUrl ?? undefined,
    apiKey: row.apiKeyCipher ? decryptSecret(row.apiKeyCipher) : undefined,
    models: (row.models ?? {}) as UserModelOverrides["models"],
  };
}

/** Ports of a real run; tests build their own. */
export interface RunPortsFactory {
  (input: { worktreePath: string; settings: ReturnType<typeof resolveModelSettings> }): Omit<OrchestratorPorts, "events">;
}

const realPorts: RunPortsFactory = ({ worktreePath, settings }) => ({
  llm: createLlmClient({ settings }),
  sandbox: getSandbox(),
  workspace: createDirWorkspace(worktreePath),
  memory: getMemoryStore(),
  tools: createSandboxTools(),
});

/**
 * Executes one queued run: claims it, cuts its worktree and branch, runs the orchestrator with real ports
 * and records everything as run events. Any failure outside the orchestrator still ends the run with a
 * reason, so no run is left "running" by an error.
 */
export async function executeRun(options: { db: Db; runId: string; workerId: string; signal?: AbortSignal; ports?: RunPortsFactory }): Promise<void> {
  const { db, runId } = options;
  const leaseMs = 30_000;
  const claimed = await db.run.updateMany({
    where: { id: runId, status: "QUEUED", cancelRequestedAt: null },
    data: { status: "RUNNING", workerId: options.workerId, leaseExpiresAt: new Date(Date.now() + leaseMs), startedAt: new Date() },
  });
  if (claimed.count === 0) return; // taken by another worker, cancelled, or gone

  const lease = setInterval(() => {
    void db.run.updateMany({ where: { id: runId, workerId: options.workerId }, data: { leaseExpiresAt: new Date(Date.now() + leaseMs) } }).catch(() => undefined);
  }, leaseMs / 3);
  lease.unref();
  try {
    const run = await db.run.findUniqueOrThrow({ where: { id: runId }, include: { task: true, project: true } });
    const worktree = await createRunWorktree({ repoPath: run.project.repoPath, runId });
    await appendRunEvent(db, { runId, type: "run.claimed", payload: { workerId: options.workerId, branch: worktree.branch, baseCommit: worktree.baseCommit } });

    const modelSettings = resolveModelSettings(env(), await userOverrides(db, run.task.authorId));
    // The snapshot records which models ran; the API key never leaves the settings table.
    await db.run.update({ where: { id: runId }, data: { modelSettings: { mode: modelSettings.mode, baseUrl: modelSettings.baseUrl, models: modelSettings.models } } });

    const contextFiles = [];
    for (const file of run.task.contextFiles) {
      const content = await fs.readFile(path.join(worktree.worktreePath, file), "utf8").catch(() => null);
      if (content !== null) contextFiles.push({ path: file, content: content.slice(0, MAX_CONTEXT_FILE_BYTES) });
    }
    const ports = (options.ports ?? realPorts)({ worktreePath: worktree.worktreePath, settings: modelSettings });
    await runTask({
      runId,
      projectId: run.projectId,
      task: run.task.prompt,
      contextFiles,
      plan: run.task.plan ?? undefined,
      settings: { tokenBudget: run.tokenBudget ?? undefined, costBudgetUsd: run.costBudgetUsd ?? undefined },
      signal: options.signal,
      ports: { ...ports, events: new PgEventSink(db) },
    });
  } catch (error) {
    const current = await db.run.findUnique({ where: { id: runId }, select: { status: true } });
    if (current?.status === "RUNNING") {
      const cancelled = options.signal?.aborted ?? false;
      await appendRunEvent(db, {
        runId,
        type: "run.finished",
        payload: { status: cancelled ? "cancelled" : "failed", reason: cancelled ? "cancelled by the user" : errorText(error) },
      }).catch((appendError: unknown) => console.error(`[runner] could not record the end of run ${runId}:`, appendError));
    }
  } finally {
    clearInterval(lease);
  }
}
