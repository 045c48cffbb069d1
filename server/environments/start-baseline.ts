import type { Prisma } from "@/generated/prisma/client";
import type { Db } from "@/server/db/client";
import { env } from "@/server/env";
import { suiteTests, type BaselineRun, type SuiteTest } from "@/server/orchestrator/compare-baseline";
import type { SandboxPort } from "@/server/orchestrator/ports";
import { writeNodeTree } from "./node-modules-links";
import { packDirectory } from "@/server/sandbox/pack-directory";
import type { SuiteCommand } from "@/server/sandbox/types";

/**
 * The repository's own suite on the run's base commit, in the project environment: from the cache (one row per
 * commit and environment) or run now in a sandbox of its own. Resolves once the base files are copied into that
 * sandbox, so the run may start editing its worktree; the suite itself runs alongside the run.
 */
export async function startBaseline(options: {
  db: Db;
  runId: string;
  projectId: string;
  commit: string;
  inputsHash: string;
  image: string;
  testCommand: SuiteCommand;
  worktreePath: string;
  sandbox: SandboxPort;
  signal?: AbortSignal;
  /** Link the environment's node_modules into the workspace (Node projects). */
  nodeModules?: boolean;
}): Promise<{ result: Promise<BaselineRun | null> }> {
  const { db, projectId, commit, inputsHash } = options;
  const started = performance.now();
  const cached = await db.suiteBaseline.findUnique({ where: { projectId_commit_inputsHash: { projectId, commit, inputsHash } } });
  if (cached) {
    const run: BaselineRun = { commit, tests: cached.tests as unknown as SuiteTest[], passed: cached.passed, reason: cached.reason ?? undefined, durationMs: Math.round(performance.now() - started), cached: true };
    return { result: Promise.resolve(run) };
  }
  const session = await options.sandbox.openSession(options.runId, { image: options.image });
  try {
    const tree = await packDirectory({ root: options.worktreePath, limitBytes: env().SANDBOX_WORKSPACE_MB * 1024 * 1024, limitName: "SANDBOX_WORKSPACE_MB" });
    if (options.nodeModules) await writeNodeTree(session, tree, options.image);
    else await session.writeTree(tree);
  } catch (error) {
    await session.close().catch(() => undefined);
    throw error;
  }
  const result = (async (): Promise<BaselineRun | null> => {
    try {
      const now = await session.runSuite(options.testCommand, { timeoutMs: env().SANDBOX_SUITE_TIMEOUT * 1000, signal: options.signal });
      // A suite that could not report (timeout, no report) is no baseline: every failure then counts.
      if (now.tests.length === 0 || now.timedOut || now.oomKilled) return null;
      const tests = suiteTests(now);
      const row = { tests: tests as unknown as Prisma.InputJsonValue, passed: now.passed, reason: now.failureReason ?? null, durationMs: now.durationMs };
      await db.suiteBaseline.upsert({ where: { projectId_commit_inputsHash: { projectId, commit, inputsHash } }, create: { projectId, commit, inputsHash, ...row }, update: row });
      return { commit, tests, passed: now.passed, reason: now.failureReason, durationMs: Math.round(performance.now() - started), cached: false };
    } catch {
      return null;
    } finally {
      await session.close().catch(() => undefined);
    }
  })();
  return { result };
}
