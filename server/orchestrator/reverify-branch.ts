import { env } from "@/server/env";
import type { TIndependentRun } from "@/server/runs/events/contract";
import { compareWithBaseline, type BaselineRun } from "./compare-baseline";
import { restoredHarnessContent } from "./harness-files";
import type { PackedDirectory } from "@/server/sandbox/pack-directory";
import type { ExecutionResult, SandboxPort, Workspace } from "./ports";
import type { RunEventLog } from "./run-event-log";
import { trackAfterRun } from "@/server/runs/after-run-work";
import { packForSandbox, seedSandbox } from "./seed-sandbox";
import type { RepoProfile } from "./test-layout";
import { commandText, judgeExecution, testFileOf } from "./verify-execution";

export interface ReverifyInput {
  runId: string;
  sandbox: SandboxPort;
  workspace: Workspace;
  log: RunEventLog;
  profile: RepoProfile;
  image?: string;
  /** Test files as they were frozen before their first sandbox run (the acceptance set's model-written part). */
  frozenTests: Map<string, string>;
  /** Harness files the run changed, with their base commit's content (null: the run added it, so it goes). */
  harnessBase: Map<string, string | null>;
  /** The base commit's suite (a project environment): judged like the agents' final run, against it. */
  baseline?: Promise<BaselineRun | null>;
  signal?: AbortSignal;
  by?: string;
}


/**
 * The independent re-verification: a fresh container (not the agents' session), seeded with the branch's committed
 * tree (git archive of its head), the frozen acceptance tests written back, every harness file restored to the base commit's (new ones
 * removed), then the acceptance suite. The record names commit, tree, image, container, commands and results.
 */
export async function reverifyBranch(input: ReverifyInput): Promise<{ record: TIndependentRun; result: ExecutionResult | null }> {
  const started = performance.now();
  // Exactly the committed tree (git archive of the head), not the worktree the agents left behind.
  // The archive (extracted and packed) and the container are independent: taken at once, the slower is what is paid.
  const [prepared, opened] = await Promise.allSettled([prepareTree(input.workspace), input.sandbox.openSession(input.runId, { image: input.image })]);
  if (prepared.status === "rejected" || opened.status === "rejected") {
    if (opened.status === "fulfilled") trackAfterRun(input.runId, () => opened.value.close());
    if (prepared.status === "fulfilled") await prepared.value.snapshot?.dispose();
    throw prepared.status === "rejected" ? prepared.reason : (opened as PromiseRejectedResult).reason;
  }
  const { snapshot, committed, packed } = prepared.value;
  const session = opened.value;
  try {
    const head = (await committed.head?.()) ?? null;
    await seedSandbox({ session, workspace: committed, log: input.log, nodeModules: input.profile.language === "node", image: input.image, packed });
    const writes = [...input.frozenTests].map(([path, content]) => ({ path, content }));
    const removed: string[] = [];
    for (const [path, base] of input.harnessBase) {
      const content = restoredHarnessContent(path, base, await committed.readFile(path));
      if (content === null) removed.push(path);
      else writes.push({ path, content });
    }
    if (writes.length) await session.writeFiles(writes);
    if (removed.length) await session.exec(["rm", "-f", "--", ...removed.map((p) => `/workspace/${p}`)]);
    // Read while the suite runs: the container's id and image do not change.
    const described = session.describeContainer?.().catch(() => null) ?? Promise.resolve(null);
    const own = input.profile.testCommand;
    const run = { timeoutMs: env().SANDBOX_SUITE_TIMEOUT * 1000, signal: input.signal };
    // The repository's own command, with user site-packages off for Python. Else the container's resident runner forks
    // pytest (already imported, cache off): that interpreter started with the container, before anything was seeded,
    // so no sitecustomize, .pth or user site the branch carries can load into it, and no interpreter start is paid.
    const result = own
      ? await session.runSuite({ ...own, shell: input.profile.language === "python" ? `PYTHONNOUSERSITE=1 ${own.shell}` : own.shell }, run)
      : await session.runPytest(run);
    const container = await described;
    // With a baseline, tests already failing on the base commit do not count (as in the agents' final run).
    const judgement = own && input.baseline ? compareWithBaseline(await input.baseline, result) : judgeExecution(result);
    const crossCheck = judgement.passed ? checkReport(result, [...input.frozenTests.keys()], input.frozenTests) : undefined;
    const passed = judgement.passed && !crossCheck;
    const reason = crossCheck ?? judgement.reason;
    return {
      result,
      record: {
        at: new Date().toISOString(),
        by: input.by ?? "orchestrator",
        commit: head?.commit ?? null,
        tree: head?.tree ?? null,
        image: container?.image ?? input.image ?? env().SANDBOX_IMAGE,
        containerId: container?.containerId ?? null,
        commands: [{ stepId: null, command: commandText(result.command), exitCode: result.exitCode, timedOut: result.timedOut, oomKilled: result.oomKilled, durationMs: result.durationMs, passed, ...(reason ? { reason } : {}) }],
        tests: result.tests.map((t) => {
          const file = testFileOf(t);
          return { name: t.name, classname: t.classname, file, status: t.status, origin: file !== undefined && input.frozenTests.has(file) ? "model" as const : "repository" as const };
        }),
        restoredHarness: [...input.harnessBase.keys()],
        frozenTests: [...input.frozenTests.keys()],
        passed,
        ...(reason ? { reason } : {}),
        durationMs: Math.round(performance.now() - started),
      },
    };
  } finally {
    // Its container is not needed for the verdict: removed after the worker slot is freed (after-run-work.ts).
    trackAfterRun(input.runId, () => session.close());
    await snapshot?.dispose();
  }
}

/** The branch head's committed tree (git archive, never the worktree) and its seed tar; the snapshot goes if packing fails. */
async function prepareTree(workspace: Workspace): Promise<{ snapshot: { dispose(): Promise<void> } | null; committed: Workspace; packed: PackedDirectory }> {
  const snapshot = (await workspace.snapshot?.()) ?? null;
  const committed = snapshot?.workspace ?? workspace;
  try {
    return { snapshot, committed, packed: await packForSandbox(committed) };
  } catch (error) {
    await snapshot?.dispose();
    throw error;
  }
}

/**
 * What can be checked from outside the test process: the report must list tests of every frozen test file (a
 * harness can drop them from collection), and as many tests as pytest itself says it selected (code run inside
 * pytest can drop failing cases from the JUnit report and zero the exit code). undefined: consistent.
 */
export function checkReport(result: ExecutionResult, acceptanceFiles: string[], contents?: ReadonlyMap<string, string>): string | undefined {
  // JUnit from pytest names the module (classname) or the file; vitest and jest name the file as classname.
  const reported = new Set(result.tests.flatMap((t) => [testFileOf(t), t.file, t.classname]));
  // node:test's TAP names no file: a file counts as collected when a listed test's own name is written in it.
  const unplaced = result.tests.filter((t) => t.classname === "node:test" && !t.file).map((t) => t.name.split(" > ").at(-1)!);
  const namedIn = (file: string) => unplaced.some((name) => name.length > 0 && (contents?.get(file) ?? "").includes(name));
  const missing = acceptanceFiles.filter((file) => !reported.has(file) && !namedIn(file));
  if (missing.length) return `the report lists no tests of the acceptance file(s) ${missing.join(", ")}: they were not collected`;
  const selected = pytestSelected(result.stdout);
  if (selected !== null && selected !== result.tests.length) return `pytest collected ${selected} test(s) but its report lists ${result.tests.length}`;
  return undefined;
}

/**
 * How many tests pytest selected, from its own "collected N items[ / K deselected][ / M selected]" line (printed
 * before any test code runs, and output is captured from then on); null: not pytest's output, or quiet.
 */
export function pytestSelected(stdout: string): number | null {
  const line = /^collected (\d+) items?(.*)$/m.exec(stdout);
  if (!line) return null;
  const selected = / (\d+) selected/.exec(line[2]!);
  if (selected) return Number(selected[1]);
  const deselected = / (\d+) deselected/.exec(line[2]!);
  return Number(line[1]) - (deselected ? Number(deselected[1]) : 0);
}
