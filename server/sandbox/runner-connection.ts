import { PassThrough } from "node:stream";
import type Docker from "dockerode";
import { getDocker } from "./docker-client";

/** One answer line of sandbox/runner.py. Fields depend on the op; see that file. */
export interface RunnerResponse {
  id?: number;
  ok: boolean;
  error?: string;
  [key: string]: unknown;
}

export class RunnerGoneError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RunnerGoneError";
  }
}

const READY_TIMEOUT_MS = 30_000;

/**
 * The resident runner of one container, spoken to over the container's attached stdin/stdout (one JSON line
 * each way). Requests are serialised: the runner handles one at a time, and a queued request's timeout must
 * not start while an earlier one is still running.
 */
export class RunnerConnection {
  readonly stderrLines: string[] = [];
  private pending = new Map<number, { resolve: (r: RunnerResponse) => void; reject: (e: Error) => void }>();
  private nextId = 1;
  private tail: Promise<unknown> = Promise.resolve();
  private buffer = "";
  private goneReason: string | undefined;
  private readyWaiter: { resolve: (r: RunnerResponse) => void; reject: (e: Error) => void } | undefined;
  /** The runner's untar makes the tree's symlinks (an image built before it did drops them: putArchive then). */
  untarsLinks = false;

  private constructor(
    readonly container: Docker.Container,
    private readonly stream: NodeJS.ReadWriteStream,
  ) {}

  get alive(): boolean {
    return this.goneReason === undefined;
  }

  /** Attaches before starting so the runner's ready line cannot be missed, then waits for it. */
  static async start(container: Docker.Container): Promise<RunnerConnection> {
    const stream = await container.attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true });
    const connection = new RunnerConnection(container, stream);
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    getDocker().modem.demuxStream(stream, stdout, stderr);
    stdout.setEncoding("utf8");
    stdout.on("data", (chunk: string) => connection.onStdout(chunk));
    stderr.setEncoding("utf8");
    stderr.on("data", (chunk: string) => connection.onStderr(chunk));
    stream.on("end", () => connection.fail("the sandbox container stopped"));
    stream.on("close", () => connection.fail("the sandbox container stopped"));
    stream.on("error", (error: Error) => connection.fail(`sandbox stream error: ${error.message}`));
    const ready = new Promise<RunnerResponse>((resolve, reject) => {
      connection.readyWaiter = { resolve, reject };
    });
    // If start() itself fails, nobody awaits `ready` when fail() rejects it; that must not crash the process.
    ready.catch(() => undefined);
    const timer = setTimeout(() => connection.fail("the sandbox runner did not start in time"), READY_TIMEOUT_MS);
    try {
      await container.start();
      const hello = await ready;
      if (hello.ready !== true) throw new RunnerGoneError(String(hello.error ?? "the sandbox runner failed to start"));
      connection.untarsLinks = hello.untarLinks === true;
      return connection;
    } catch (error) {
      connection.fail(error instanceof Error ? error.message : String(error));
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Sends one request after the previous one finished; rejects with RunnerGoneError if the container dies. */
  request(payload: Record<string, unknown>): Promise<RunnerResponse> {
    const run = async (): Promise<RunnerResponse> => {
      if (this.goneReason !== undefined) throw new RunnerGoneError(this.goneReason);
      const id = this.nextId++;
      const answer = new Promise<RunnerResponse>((resolve, reject) => this.pending.set(id, { resolve, reject }));
      this.stream.write(`${JSON.stringify({ ...payload, id })}\n`);
      return answer;
    };
    const result = this.tail.then(run, run);
    this.tail = result.catch(() => undefined);
    return result;
  }

  /** Marks the connection dead and rejects everything waiting; the container is handled by the caller. */
  fail(reason: string): void {
    if (this.goneReason !== undefined) return;
    this.goneReason = reason;
    const error = new RunnerGoneError(reason);
    this.readyWaiter?.reject(error);
    for (const waiter of this.pending.values()) waiter.reject(error);
    this.pending.clear();
    try {
      this.stream.end();
    } catch {
      // already closed
    }
    (this.stream as unknown as { destroy?: () => void }).destroy?.();
  }

  private onStdout(chunk: string): void {
    this.buffer += chunk;
    let newline = this.buffer.indexOf("\n");
    while (newline >= 0) {
      const line = this.buffer.slice(0, newline);
      this.buffer = this.buffer.slice(newline + 1);
      if (line.trim() !== "") this.onLine(line);
      newline = this.buffer.indexOf("\n");
    }
  }

  private onLine(line: string): void {
    let message: RunnerResponse;
    try {
      message = JSON.parse(line) as RunnerResponse;
    } catch {
      this.stderrLines.push(`unparseable runner line: ${line.slice(0, 200)}`);
      return;
    }
    if (this.readyWaiter !== undefined && "ready" in message) {
      const waiter = this.readyWaiter;
      this.readyWaiter = undefined;
      waiter.resolve(message);
      return;
    }
    if (typeof message.id !== "number") return;
    const waiter = this.pending.get(message.id);
    if (waiter === undefined) return;
    this.pending.delete(message.id);
    waiter.resolve(message);
  }

  private onStderr(chunk: string): void {
    this.stderrLines.push(chunk);
    if (this.stderrLines.length > 50) this.stderrLines.shift();
  }
}
