import { env } from "@/server/env";
import type { ExecutionResult, SandboxSession, SuiteCommand, SuiteRunOptions } from "@/server/sandbox/types";
import { compareWithBaseline, type BaselineComparison, type BaselineRun } from "./compare-baseline";
import type { RepoProfile } from "./test-layout";


/** What a run knows of its project environment: the image its sandbox starts from, the repository's profile, the baseline. */
export interface RunEnvironment {
  image?: string;
  profile: RepoProfile;
  /** The suite on the base commit (null: it could not be run); absent: no baseline for this run. */
  baseline?: Promise<BaselineRun | null>;
}

/** The stored form of the comparison: the three groups the run page, the API and share links show. */
export interface BaselineSummary {
  regressions: string[];
  alreadyFailing: string[];
  newTests: Array<{ id: string; status: string }>;
  fixed: string[];
  baselineAvailable: boolean;
  baselineCached: boolean;
  passed: boolean;
  reason?: string;
}

export function summarizeComparison(comparison: BaselineComparison): BaselineSummary {
  const id = (t: { file?: string; classname: string; name: string }) => `${t.file ?? t.classname}::${t.name}`;
  return {
    regressions: comparison.regressions.map(id),
    alreadyFailing: comparison.alreadyFailing.map(id),
    newTests: comparison.newTests.map((t) => ({ id: id(t), status: t.status })),
    fixed: comparison.fixed,
    baselineAvailable: comparison.baselineAvailable,
    baselineCached: comparison.baselineCached,
    passed: comparison.passed,
    ...(comparison.reason ? { reason: comparison.reason } : {}),
  };
}

/** The repository's whole suite after all edits, under SANDBOX_SUITE_TIMEOUT, compared with the base commit's. */
export async function runFinalSuite(options: {
  session: SandboxSession;
  command: SuiteCommand;
  baseline: Promise<BaselineRun | null> | undefined;
  signal?: AbortSignal;
  onProgress?: SuiteRunOptions["onProgress"];
  onOutput?: SuiteRunOptions["onOutput"];
}): Promise<{ result: ExecutionResult; comparison: BaselineComparison }> {
  const { onProgress, onOutput } = options;
  const result = await options.session.runSuite(options.command, { timeoutMs: env().SANDBOX_SUITE_TIMEOUT * 1000, signal: options.signal, onProgress, onOutput });
  const baseline = options.baseline ? await options.baseline : null;
  return { result, comparison: compareWithBaseline(baseline, result) };
}
