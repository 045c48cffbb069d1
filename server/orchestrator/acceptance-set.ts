import { createTwoFilesPatch } from "diff";
import type { TFileChangeReview, TIndependentRun, TVerificationOutcome } from "@/server/runs/events/contract";
import { harnessReason, isHarnessConfigName, namedHarnessFiles } from "./harness-files";
import type { Workspace } from "./ports";

const CONFIG_NAMES = ["pytest.ini", "tox.ini", "setup.cfg", "pyproject.toml", "conftest.py", "vitest.config.ts", "vitest.config.js", "vite.config.ts", "vite.config.js", "jest.config.js", "jest.config.ts"];

/**
 * What a run's verification is measured against: the model's test files frozen before their first sandbox run,
 * and the harness as it was on the base commit. Collects the changes a reviewer must see (test and harness diffs).
 */
export class AcceptanceSet {
  readonly frozenTests = new Map<string, string>();
  readonly harnessBase = new Map<string, string | null>();
  private readonly harnessReasons = new Map<string, string>();
  private readonly testReasons = new Map<string, string>();
  private named: Promise<string[]> | undefined;
  /** Files named by configuration the run itself wrote (a new vitest.config naming a new setup file). */
  private readonly namedByRun = new Set<string>();

  constructor(private readonly workspace: Workspace) {}

  /** Freezes a test file's current content the first time it is about to run; the content when it froze it now. */
  async freeze(path: string): Promise<string | null> {
    if (this.frozenTests.has(path)) return null;
    const content = await this.workspace.readFile(path);
    if (content !== null) this.frozenTests.set(path, content);
    return content;
  }

  noteTestChange(path: string, reason: string): void {
    this.testReasons.set(path, reason);
  }

  /** Why this edit touches the harness (and remembers the base content), or undefined. */
  async classify(path: string, before: string | null, after: string | null): Promise<string | undefined> {
    if (isHarnessConfigName(path)) for (const file of namedHarnessFiles([before, after].filter((t): t is string => t !== null))) this.namedByRun.add(file);
    const reason = harnessReason(path, { before, after, named: await this.namedFiles() });
    if (!reason) return undefined;
    if (!this.harnessBase.has(path)) this.harnessBase.set(path, before);
    if (!this.harnessReasons.has(path)) this.harnessReasons.set(path, reason);
    return reason;
  }

  /** Whether a plan step's file is part of the harness (by name, or named by the configuration as it is now). */
  async isHarness(path: string): Promise<boolean> {
    return harnessReason(path, { before: null, after: null, named: await this.namedFiles() }) !== null;
  }

  private async namedFiles(): Promise<string[]> {
    this.named ??= Promise.all(CONFIG_NAMES.map((name) => this.workspace.readFile(name))).then((texts) => namedHarnessFiles(texts.filter((t): t is string => t !== null)));
    return [...(await this.named), ...this.namedByRun];
  }

  /** Harness files the run changed, with their diff against the base commit (unchanged in the end: left out). */
  async harnessChanges(): Promise<TFileChangeReview[]> {
    return this.diffs(this.harnessBase, (path) => this.harnessReasons.get(path) ?? "");
  }

  /** Frozen test files the debugger changed afterwards, with its reason and the diff. */
  async testChanges(): Promise<TFileChangeReview[]> {
    const changed = new Map([...this.frozenTests].filter(([path]) => this.testReasons.has(path)));
    return this.diffs(changed, (path) => this.testReasons.get(path) ?? "");
  }

  private async diffs(base: Map<string, string | null>, reason: (path: string) => string): Promise<TFileChangeReview[]> {
    const out: TFileChangeReview[] = [];
    for (const [path, before] of base) {
      const after = await this.workspace.readFile(path);
      if (after === before) continue;
      out.push({ path, reason: reason(path), diff: createTwoFilesPatch(`a/${path}`, `b/${path}`, before ?? "", after ?? "", "frozen", "final") });
    }
    return out;
  }
}

/**
 * The outcome once the agents' final run passed: verified only when the independent run (frozen tests, base
 * harness) passed; passing only with the run's own harness or test changes needs review; otherwise it failed.
 */
export function acceptanceOutcome(independent: TIndependentRun, harness: TFileChangeReview[], tests: TFileChangeReview[]): { outcome: TVerificationOutcome; failure?: string } {
  if (independent.passed) return { outcome: "verified" };
  if (harness.length) return { outcome: "verified_with_changed_harness" };
  if (tests.length) return { outcome: "verified_with_changed_tests" };
  return { outcome: "failed", failure: `the independent re-verification of the branch failed: ${independent.reason ?? "see its record"}` };
}
