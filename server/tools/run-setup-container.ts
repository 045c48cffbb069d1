import { PassThrough } from "node:stream";
import { env } from "@/server/env";
import { buildContainerSpec, RUNNER_PATH } from "@/server/sandbox/container-spec";
import { getDocker } from "@/server/sandbox/docker-client";
import { removeContainer } from "@/server/sandbox/sandbox-box";

const ARCHIVE_LIMIT_BYTES = 512 * 1024 * 1024;

export interface SetupOutcome {
  exitCode: number | null;
  /** A tar of what the tool produced (only meaningful with exit code 0). */
  archive: Buffer;
  stderr: string;
  timedOut: boolean;
  durationMs: number;
}

/**
 * Runs pip or git in a throwaway container that may reach the network. It never sees the run's workspace:
 * it writes a tar to stdout, and the caller unpacks that into the run's sandbox.
 */
export async function runSetupContainer(options: {
  runId: string;
  tool: "pip-install" | "git-clone";
  args: string[];
  timeoutMs: number;
  signal?: AbortSignal;
  /** "host:address" entries for the container's /etc/hosts: a clone connects to the address that was checked. */
  pinnedHosts?: string[];
}): Promise<SetupOutcome> {
  const started = performance.now();
  const spec = buildContainerSpec({ role: "setup", runId: options.runId, network: true, cmd: ["python3", RUNNER_PATH, "setup", options.tool, ...options.args] });
  const container = await getDocker().createContainer({
    ...spec,
    // No prompts, only web protocols, and no redirects (a redirect would reach a host nobody checked).
    Env: [...(spec.Env ?? []), "GIT_TERMINAL_PROMPT=0", "GIT_ALLOW_PROTOCOL=http:https", "GIT_CONFIG_COUNT=1", "GIT_CONFIG_KEY_0=http.followRedirects", "GIT_CONFIG_VALUE_0=false"],
    HostConfig: { ...spec.HostConfig, ExtraHosts: options.pinnedHosts ?? [] },
    AttachStdin: false,
    OpenStdin: false,
  });
  const limit = env().SANDBOX_OUTPUT_LIMIT_BYTES;
  const archive: Buffer[] = [];
  let archiveBytes = 0;
  let stderr = "";
  let timedOut = false;
  const kill = () => void removeContainer(container).catch(() => undefined);
  const timer = setTimeout(() => {
    timedOut = true;
    kill();
  }, options.timeoutMs);
  options.signal?.addEventListener("abort", kill, { once: true });
  try {
    const stream = await container.attach({ stream: true, stdout: true, stderr: true });
    const out = new PassThrough();
    const err = new PassThrough();
    getDocker().modem.demuxStream(stream, out, err);
    out.on("data", (chunk: Buffer) => {
      archiveBytes += chunk.length;
      if (archiveBytes <= ARCHIVE_LIMIT_BYTES) archive.push(chunk);
    });
    err.on("data", (chunk: Buffer) => {
      if (stderr.length < limit) stderr += chunk.toString("utf8");
    });
    const ended = new Promise<void>((resolve) => {
      stream.on("end", resolve);
      stream.on("close", resolve);
      stream.on("error", () => resolve());
    });
    await container.start();
    const waited = (await container.wait().catch(() => ({ StatusCode: null }))) as { StatusCode: number | null };
    await Promise.race([ended, new Promise((resolve) => setTimeout(resolve, 1000))]);
    if (options.signal?.aborted) throw options.signal.reason ?? new Error("aborted");
    const tooBig = archiveBytes > ARCHIVE_LIMIT_BYTES;
    if (tooBig) stderr += `\nthe result is larger than ${ARCHIVE_LIMIT_BYTES / 1024 / 1024} MB and was refused\n`;
    return {
      exitCode: timedOut ? null : tooBig ? 1 : waited.StatusCode,
      archive: Buffer.concat(archive),
      stderr,
      timedOut,
      durationMs: Math.round(performance.now() - started),
    };
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener("abort", kill);
    await removeContainer(container).catch(() => undefined);
  }
}
