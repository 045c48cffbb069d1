import type { Readable } from "node:stream";
import type { OutputChunk } from "./watch-suite-output";

/** Files handed to the sandbox: relative POSIX paths inside the workspace, validated before use. */
export interface SandboxFile {
  path: string;
  content: string;
}

/** A directory as a tar stream, re-openable (a replacement container gets it again). */
/** The size of every sandbox's /tmp (a tmpfs). */
export const SANDBOX_TMP_MB = 64;

export interface SandboxTree {
  open: () => Readable;
  files: number;
  bytes: number;
  /** Symlink entries in the tree (undefined: not counted, so it goes by putArchive); the runner makes counted ones. */
  links?: number;
}

export interface TestCaseResult {
  name: string;
  classname: string;
  file?: string;
  status: "passed" | "failed" | "error" | "skipped";
  message?: string;
  durationMs: number;
}

export interface ExecutionResult {
  command: string[];
  exitCode: number | null;
  stdout: string;
  stderr: string;
  stdoutTruncated: boolean;
  stderrTruncated: boolean;
  timedOut: boolean;
  oomKilled: boolean;
  signal?: string;
  durationMs: number;
  tests: TestCaseResult[];
  summary: { passed: number; failed: number; errors: number; skipped: number };
  /** Exit code 0 AND a parsed report with >= 1 test and no failures or errors. */
  passed: boolean;
  /** Human-readable: "timed out after 30 s", "out of memory (512 MB)", "2 tests failed", "no tests collected", ... */
  failureReason?: string;
}

/** How a test command reports: the runner parses this file, pass/fail never comes from output text. */
export type ReportFormat = "junit" | "jest-json" | "tap";

export interface SuiteCommand {
  /** A shell command line; `{report}` stands for the report file the runner reads afterwards. */
  shell: string;
  format: ReportFormat;
}

export interface RunOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface SuiteRunOptions extends RunOptions {
  /** The tests the output says have finished, as they finish (per-test lines; the report decides). */
  onProgress?: (tests: Array<{ name: string; status: "passed" | "failed" | "skipped" }>) => void;
  /** The command's new output while it runs, at most one chunk a poll (bounded: watch-suite-output.ts). */
  onOutput?: (chunk: OutputChunk) => void;
}

/** Bound to one run; reuses its container across the run's iterations. */
export interface SandboxSession {
  readonly runId: string;
  writeFiles(files: SandboxFile[]): Promise<void>;
  /** Streams a tar of many files into the workspace (the repository's seed). */
  writeTree(tree: SandboxTree): Promise<void>;
  /** onOutput: pytest's output while it runs (the runner copies it into files the host polls). */
  runPytest(opts?: RunOptions & { testPaths?: string[]; onOutput?: SuiteRunOptions["onOutput"] }): Promise<ExecutionResult>;
  exec(argv: string[], opts?: RunOptions): Promise<ExecutionResult>;
  /** A test command with a structured reporter (vitest, jest, node:test, pytest): results from its report. */
  runSuite(suite: SuiteCommand, opts?: SuiteRunOptions): Promise<ExecutionResult>;
  /** Unpacks a tar archive (e.g. from a setup container) into the workspace, under `dest` when given. */
  writeArchive(tar: Buffer, dest?: string): Promise<void>;
  /** Kills and removes the container. */
  close(): Promise<void>;
  /** The container's id and its image id, for the verification record (absent in fakes). */
  describeContainer?(): Promise<{ containerId: string; image: string | null }>;
}

export interface OpenSessionOptions {
  /** The project's environment image; absent: SANDBOX_IMAGE from the warm pool. */
  image?: string;
}

export interface Sandbox {
  /** Takes a warm container from the pool when there is one. */
  openSession(runId: string, options?: OpenSessionOptions): Promise<SandboxSession>;
  killRun(runId: string): Promise<void>;
  /** Throws AppError UNAVAILABLE with a how-to-fix message. */
  checkAvailable(): Promise<void>;
  shutdown(): Promise<void>;
}
