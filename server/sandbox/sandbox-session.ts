import { buffer } from "node:stream/consumers";
import { env } from "@/server/env";
import { AppError } from "@/server/errors";
import { buildExecutionResult, ZRunnerExecution, type TRunnerExecution } from "./build-result";
import { WORKSPACE_DIR } from "./container-spec";
import { destroyBox, type Box } from "./sandbox-box";
import { RunnerGoneError, type RunnerResponse } from "./runner-connection";
import type { ExecutionResult, RunOptions, SandboxFile, SandboxSession, SandboxTree, SuiteCommand, SuiteRunOptions } from "./types";
import { parseSuiteProgress, progressShell, readProgressFiles } from "./suite-progress";
import { watchSuiteOutput } from "./watch-suite-output";
import { validateSandboxPath } from "./validate-path";

const PROGRESS_POLL_MS = 1_000;

/** Up to this size a tree goes into the workspace as one runner request (held in memory, base64 in a JSON line). */
const RUNNER_TREE_BYTES = 1024 * 1024;
const RUNNER_TREE_FILES = 2_000;

/** Past the runner's own timeout, the host stops waiting and removes the container. */
const BACKSTOP_GRACE_MS = 5_000;

export type AcquireBox = (sequence: number) => Promise<Box>;

function abortError(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException("The operation was aborted.", "AbortError");
}

/**
 * One run's sandbox. The container is reused across the run's iterations; when it has to go (timeout, OOM of
 * the runner, a crash) the next call gets a fresh one with every file written so far replayed into it.
 */
export class DockerSandboxSession implements SandboxSession {
  private box: Box | undefined;
  private boxPromise: Promise<{ box: Box; fresh: boolean }> | undefined;
  private readonly files = new Map<string, string>();
  private readonly archives: Array<{ tar: Buffer; dest?: string }> = [];
  private readonly trees: SandboxTree[] = [];
  private sequence = 0;
  private progressRuns = 0;
  private cancelled = false;
  private closed = false;

  constructor(
    readonly runId: string,
    private readonly acquire: AcquireBox,
    /** removal: the container's removal, so the sandbox's shutdown can wait for a close nobody awaited. */
    private readonly onClose: (session: DockerSandboxSession, removal: Promise<void>) => void,
  ) {}

  /** The container this session runs in now (it changes if the container had to be replaced). */
  async describeContainer(): Promise<{ containerId: string; image: string | null }> {
    const { box } = await this.ensureBox();
    const info = await box.container.inspect().catch(() => null);
    return { containerId: box.container.id, image: info?.Image ?? null };
  }

  /** Takes a box now (from the pool when there is one) so the first execution does not wait for it. */
  async prepare(): Promise<void> {
    await this.ensureBox();
  }

  async writeFiles(files: SandboxFile[]): Promise<void> {
    const checked = files.map((file) => ({ path: validateSandboxPath(file.path), content: file.content }));
    for (const file of checked) this.files.set(file.path, file.content);
    const { box, fresh } = await this.ensureBox();
    if (fresh) return; // ensureBox replayed every stored file, these included
    await this.call(box, { op: "write", files: checked });
  }

  /**
   * Puts a tar into the workspace: a small tree without links through the resident runner (one request, a few ms),
   * anything else streamed with Docker's putArchive (no JSON line, no base64, nothing held in memory).
   */
  async writeTree(tree: SandboxTree): Promise<void> {
    await this.kept(this.trees, tree, (box) => this.seedTree(box, tree));
  }

  async writeArchive(tar: Buffer, dest?: string): Promise<void> {
    const checkedDest = dest === undefined || dest === "" ? undefined : validateSandboxPath(dest);
    await this.kept(this.archives, { tar, dest: checkedDest }, (box) => this.call(box, { op: "untar", tar: tar.toString("base64"), dest: checkedDest ?? "" }));
  }

  /**
   * Writes an item and keeps it for replacement containers (a fresh box had every kept item replayed, this one
   * included). One the runner refused is not kept: every replay would fail the same way. Any other failure (the
   * container died) keeps it, or a replacement would run without it.
   */
  private async kept<T>(list: T[], item: T, write: (box: Box) => Promise<unknown>): Promise<void> {
    list.push(item);
    const { box, fresh } = await this.ensureBox();
    if (fresh) return;
    try {
      await write(box);
    } catch (error) {
      if (AppError.is(error, "BAD_REQUEST")) list.splice(list.indexOf(item), 1);
      throw error;
    }
  }

  async runPytest(opts: RunOptions & { testPaths?: string[]; onOutput?: SuiteRunOptions["onOutput"] } = {}): Promise<ExecutionResult> {
    const paths = (opts.testPaths ?? []).map(validateSandboxPath);
    // What the resident runner really runs (sandbox/runner.py adds the report, the JUnit family and cache off).
    const command = ["python3", "-m", "pytest", ...paths, "--junitxml=<report>", "-o", "junit_family=xunit1", "-p", "no:cacheprovider"];
    if (!opts.onOutput) return this.execute("pytest", { args: paths }, command, opts);
    // The runner also copies the output into these files as it arrives (an older image ignores `live`: no chunks).
    const live = ["out", "err"].map((ext) => `autocode-live-${process.pid}-${++this.progressRuns}.${ext}`);
    const watcher = watchSuiteOutput({ container: () => this.box?.container, files: [`/tmp/${live[0]}`, `/tmp/${live[1]}`], pollMs: PROGRESS_POLL_MS, onTests: () => undefined, onOutput: opts.onOutput });
    try {
      return await this.execute("pytest", { args: paths, live }, command, opts);
    } finally {
      await watcher.stop();
    }
  }

  async exec(argv: string[], opts: RunOptions = {}): Promise<ExecutionResult> {
    if (argv.length === 0 || argv.some((arg) => typeof arg !== "string" || arg.includes("\0"))) {
      throw new AppError("BAD_REQUEST", "exec needs a non-empty argv of strings without NUL bytes");
    }
    return this.execute("exec", { argv }, argv, opts);
  }

  async runSuite(suite: SuiteCommand, opts: SuiteRunOptions = {}): Promise<ExecutionResult> {
    if (suite.shell.includes("\0")) throw new AppError("BAD_REQUEST", "a test command cannot contain NUL bytes");
    const { onProgress, onOutput } = opts;
    if (!onProgress && !onOutput) return this.execute("suite", { argv: ["sh", "-c", suite.shell], reportFormat: suite.format }, [suite.shell], opts);
    // The runner answers once, at the end: the output goes to files the host reads while the suite runs.
    const wrapped = progressShell(suite.shell, `${process.pid}-${++this.progressRuns}`);
    let seen = 0;
    const watcher = watchSuiteOutput({
      container: () => this.box?.container,
      files: [wrapped.files[0]!, wrapped.files[1]!],
      pollMs: PROGRESS_POLL_MS,
      onTests: (tests) => {
        seen += tests.length;
        onProgress?.(tests);
      },
      onOutput,
    });
    try {
      // Killed at its limit, the wrapper never replays the files: read them before the container goes.
      const salvage = async (box: Box) => ({ stdout: await readProgressFiles(box.container, wrapped.files.slice(0, 1)), stderr: await readProgressFiles(box.container, wrapped.files.slice(1)) });
      const result = await this.execute("suite", { argv: ["sh", "-c", wrapped.shell], reportFormat: suite.format }, [suite.shell], opts, salvage);
      await watcher.stop();
      // Whatever finished after the last look (or all of it, for a suite faster than one poll).
      const all = parseSuiteProgress(`${result.stdout}\n${result.stderr}`);
      if (all.length > seen) onProgress?.(all.slice(seen));
      return result;
    } finally {
      await watcher.stop();
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const box = this.box;
    this.box = undefined;
    // A box still being seeded is not this.box yet: replaceBox removes it when it sees the session closed.
    const pending = this.boxPromise?.then(() => undefined, () => undefined) ?? Promise.resolve();
    const removal = Promise.all([box !== undefined ? destroyBox(box, "session closed") : undefined, pending]).then(() => undefined);
    this.onClose(this, removal.catch(() => undefined));
    await removal;
  }

  /** killRun: in-flight calls end at once with a cancellation error. */
  async cancel(): Promise<void> {
    this.cancelled = true;
    await this.close();
  }

  private async execute(
    kind: "pytest" | "suite" | "exec",
    payload: Record<string, unknown>,
    command: string[],
    opts: RunOptions,
    salvage?: (box: Box) => Promise<{ stdout: string; stderr: string }>,
  ): Promise<ExecutionResult> {
    const settings = env();
    const timeoutMs = opts.timeoutMs ?? settings.SANDBOX_TIMEOUT * 1000;
    const signal = opts.signal;
    if (signal?.aborted) throw abortError(signal);
    const { box } = await this.ensureBox();
    const context = { command, kind, timeoutMs, memoryMb: settings.SANDBOX_MEMORY_MB, workspaceMb: settings.SANDBOX_WORKSPACE_MB };
    let backstopFired = false;
    const onAbort = () => void this.discard(box, "cancelled");
    // Aborted while the box was being taken: a listener added now would never fire.
    if (signal?.aborted) {
      onAbort();
      throw abortError(signal);
    }
    signal?.addEventListener("abort", onAbort, { once: true });
    const backstop = setTimeout(() => {
      backstopFired = true;
      void this.discard(box, "timed out");
    }, timeoutMs + BACKSTOP_GRACE_MS);
    try {
      const response = await box.connection.request({
        op: kind === "suite" ? "exec" : kind,
        ...payload,
        timeoutMs,
        outputLimit: settings.SANDBOX_OUTPUT_LIMIT_BYTES,
      });
      const raw = this.parse(response);
      // A timed-out or OOM-killed run may leave stray processes behind: the container goes, the files stay.
      if ((raw.timedOut || raw.oomKilled) && salvage) {
        const kept = await salvage(box);
        raw.stdout = kept.stdout + raw.stdout;
        raw.stderr = kept.stderr + raw.stderr;
      }
      if (raw.timedOut || raw.oomKilled) await this.discard(box, "timed out");
      return buildExecutionResult(raw, context);
    } catch (error) {
      if (signal?.aborted) throw abortError(signal);
      if (!(error instanceof RunnerGoneError)) throw error;
      this.throwIfCancelled();
      const state = await box.container.inspect().then((info) => info.State, () => undefined);
      await this.discard(box, "container stopped");
      const stderr = box.connection.stderrLines.join("").slice(-4000);
      const raw: TRunnerExecution = {
        exitCode: null,
        signal: backstopFired || state?.OOMKilled ? "SIGKILL" : null,
        timedOut: backstopFired,
        oomKilled: Boolean(state?.OOMKilled) && !backstopFired,
        stdout: "",
        stderr,
        stdoutTruncated: false,
        stderrTruncated: false,
        durationMs: 0,
        tests: null,
      };
      const result = buildExecutionResult(raw, context);
      if (!raw.timedOut && !raw.oomKilled) {
        result.failureReason = `the sandbox container stopped unexpectedly (${error.message}, exit code ${state?.ExitCode ?? "unknown"})`;
      }
      return result;
    } finally {
      clearTimeout(backstop);
      signal?.removeEventListener("abort", onAbort);
    }
  }

  private parse(response: RunnerResponse): TRunnerExecution {
    if (!response.ok) throw new AppError("INTERNAL", `sandbox runner refused the request: ${response.error}`);
    return ZRunnerExecution.parse(response);
  }

  private async call(box: Box, payload: Record<string, unknown>): Promise<RunnerResponse> {
    try {
      const response = await box.connection.request(payload);
      if (!response.ok) {
        throw new AppError("BAD_REQUEST", `sandbox runner refused ${String(payload.op)}: ${response.error}`, {
          userMessage: `The sandbox could not store the files: ${response.error}`,
        });
      }
      return response;
    } catch (error) {
      if (error instanceof RunnerGoneError) this.throwIfCancelled();
      throw error;
    }
  }

  private async seedTree(box: Box, tree: SandboxTree): Promise<void> {
    // putArchive costs ~50 ms even for two files (a quiet machine, 150-300 ms on a loaded one): most of an independent
    // re-run's overhead over the warm pool (#13), paid twice by a Node environment's run for its node_modules links
    // (#12). The runner makes a seed tree's links (links: true, never followed); a runner too old to drops them.
    const links = tree.links ?? Number.POSITIVE_INFINITY;
    const linksLost = links !== 0 && !box.connection.untarsLinks;
    if (linksLost || tree.bytes > RUNNER_TREE_BYTES || tree.files + links > RUNNER_TREE_FILES) return putTree(box, tree);
    await this.call(box, { op: "untar", tar: (await buffer(tree.open())).toString("base64"), dest: "", links: true });
  }

  private throwIfCancelled(): void {
    if (this.cancelled || this.closed) {
      throw new AppError("CONFLICT", `sandbox session of run ${this.runId} was ${this.cancelled ? "cancelled" : "closed"}`, {
        userMessage: "The run was cancelled.",
      });
    }
  }

  private async discard(box: Box, reason: string): Promise<void> {
    if (this.box === box) this.box = undefined;
    await destroyBox(box, reason).catch(() => undefined);
  }

  private ensureBox(): Promise<{ box: Box; fresh: boolean }> {
    this.throwIfCancelled();
    if (this.box !== undefined && this.box.connection.alive) return Promise.resolve({ box: this.box, fresh: false });
    if (this.box !== undefined) void this.discard(this.box, "container stopped");
    this.boxPromise ??= this.replaceBox().finally(() => {
      this.boxPromise = undefined;
    });
    return this.boxPromise;
  }

  private async replaceBox(): Promise<{ box: Box; fresh: boolean }> {
    const box = await this.acquire(this.sequence++);
    try {
      this.throwIfCancelled();
      // Trees first (the repository as it was when seeded), then every file written since, on top.
      for (const tree of this.trees) await this.seedTree(box, tree);
      if (this.files.size > 0) {
        const files = [...this.files].map(([path, content]) => ({ path, content }));
        await this.call(box, { op: "write", files });
      }
      for (const archive of this.archives) {
        await this.call(box, { op: "untar", tar: archive.tar.toString("base64"), dest: archive.dest ?? "" });
      }
      // Closed while seeding: close() saw no box to remove, so this one must go here or it runs on unowned.
      this.throwIfCancelled();
    } catch (error) {
      await destroyBox(box, this.closed ? "session closed" : "seeding failed").catch(() => undefined);
      throw error;
    }
    this.box = box;
    return { box, fresh: true };
  }
}

async function putTree(box: Box, tree: SandboxTree): Promise<void> {
  const stream = tree.open();
  // A source stream that errors must fail this call, never become an unhandled 'error' event (a crash).
  const failed = new Promise<never>((_, reject) => stream.once("error", reject));
  failed.catch(() => undefined);
  try {
    await Promise.race([box.container.putArchive(stream, { path: WORKSPACE_DIR }), failed]);
  } catch (error) {
    stream.destroy();
    throw new AppError("INTERNAL", `putArchive into the sandbox failed: ${error instanceof Error ? error.message : String(error)}`, {
      userMessage: "The repository's files could not be copied into the sandbox.",
      cause: error,
    });
  }
}
