import { existsSync } from "node:fs";
import { PassThrough, Readable } from "node:stream";
import type Docker from "dockerode";
import { LABEL_MANAGED, LABEL_OWNER, LABEL_ROLE, OWNER_ID, getDocker } from "@/server/sandbox/docker-client";
import { RUNNER_PATH, WORKSPACE_DIR } from "@/server/sandbox/container-spec";
import { packDirectory } from "@/server/sandbox/pack-directory";
import { removeContainer } from "@/server/sandbox/sandbox-box";
import { writeTar, type TarEntry } from "@/server/sandbox/tar-writer";

const HOST_CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt";
const CA_IN_CONTAINER = "/etc/autocode/host-ca.crt";
/** Where a Node project's node_modules live in the image: the run's workspace volume would hide /workspace. */
export const ENV_NODE_MODULES = "/opt/autocode-env/node_modules";
/** Yarn berry's Plug'n'Play files from the setup's /workspace, copied into each run's workspace (they locate the project by their own path). */
export const ENV_PNP_FILES = "/opt/autocode-env/pnp";
const PNP_FILES = [".pnp.cjs", ".pnp.loader.mjs", ".pnp.data.json", ".yarn/install-state.gz"];
const LOG_LIMIT = 200_000;
/** Version of what setupProgram adds around the script; part of the image tag's hash. */
export const IMAGE_LAYOUT = 2;

export type BuildImageResult =
  | { ok: true; imageTag: string; bytes: number; durationMs: number; log: string; collected: Record<string, string | null> }
  | { ok: false; error: string; durationMs: number; log: string };

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** The script the setup container reads on stdin (never in its config, so never in the committed image). */
function setupProgram(script: string, secrets: Record<string, string>): string {
  return [
    ...Object.entries(secrets).map(([name, value]) => `export ${name}=${shellQuote(value)}`),
    "set -ex",
    `cd ${WORKSPACE_DIR}`,
    script,
    "set +x",
    `if [ -d node_modules ]; then mkdir -p ${ENV_NODE_MODULES.replace(/\/node_modules$/, "")} && mv node_modules ${ENV_NODE_MODULES}; fi`,
    `for f in ${PNP_FILES.join(" ")}; do if [ -f "$f" ]; then mkdir -p "${ENV_PNP_FILES}/$(dirname "$f")" && cp "$f" "${ENV_PNP_FILES}/$f"; fi; done`,
    "",
  ].join("\n");
}

/** Secrets never reach a log, an event or a page: each value is masked wherever it shows up. */
export function maskSecrets(text: string, secrets: Record<string, string>): string {
  let masked = text;
  for (const value of Object.values(secrets)) if (value.length >= 4) masked = masked.split(value).join("***");
  return masked;
}

/** The last command `set -x` echoed before the failure: that is the one that failed. */
export function failedCommand(log: string): string | undefined {
  const traced = log.split("\n").filter((line) => line.startsWith("+ ") && !line.startsWith("+ set +x"));
  return traced.at(-1)?.slice(2).trim();
}

function overlayTar(files: Array<{ path: string; content: string }>): Readable {
  const entries: TarEntry[] = files.map((file) => {
    const body = Buffer.from(file.content, "utf8");
    return { type: "file", path: file.path, size: body.length, mode: 0o644, open: async function* () { yield body; } };
  });
  return Readable.from(writeTar(entries));
}

/** One regular file out of a stopped container (Docker's getArchive tar: a header, the bytes); null if it is not there. */
async function readContainerFile(container: Docker.Container, file: string): Promise<string | null> {
  const stream = await container.getArchive({ path: file }).catch(() => null);
  if (!stream) return null;
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
  const tar = Buffer.concat(chunks);
  for (let at = 0; at + 512 <= tar.length; ) {
    const size = parseInt(tar.subarray(at + 124, at + 136).toString("ascii").replace(/\0.*$/s, "").trim() || "0", 8);
    const type = String.fromCharCode(tar[at + 156] ?? 48);
    if (type === "0" || type === "\0") return tar.subarray(at + 512, at + 512 + size).toString("utf8");
    at += 512 + Math.ceil(size / 512) * 512; // a PAX or GNU long-name header: skip to the next entry
  }
  return null;
}

/**
 * Runs the setup script in a container WITH network (the only one that has it), over a copy of the repository,
 * trusting the host's CA bundle (TLS-inspecting proxies); on success commits it as the environment image.
 * A failure, a hang past the time limit or a cancellation leaves no image and no container behind.
 */
export async function buildEnvironmentImage(options: {
  repoRoot: string;
  baseImage: string;
  setupScript: string;
  imageTag: string;
  labels: Record<string, string>;
  timeoutMs: number;
  secrets: Record<string, string>;
  workspaceLimitBytes: number;
  onLog?: (text: string) => void;
  signal?: AbortSignal;
  /** Files written over the repository's copy before the script runs (a run's manifest edit not yet in its worktree). */
  overlay?: Array<{ path: string; content: string }>;
  /** Workspace files read back after a successful script (manifests a package manager rewrote), null if absent. */
  collect?: string[];
}): Promise<BuildImageResult> {
  const started = performance.now();
  const docker = getDocker();
  const caEnv = existsSync(HOST_CA_BUNDLE)
    ? [`NODE_EXTRA_CA_CERTS=${CA_IN_CONTAINER}`, `SSL_CERT_FILE=${CA_IN_CONTAINER}`, `PIP_CERT=${CA_IN_CONTAINER}`, `REQUESTS_CA_BUNDLE=${CA_IN_CONTAINER}`]
    : [];
  let log = "";
  // Standard error alone, for the failing command: `set -x` may write one traced line in several pieces, and Docker
  // frames standard output independently, so in the merged log a line of output can land inside a traced command.
  let errorTail = "";
  const append = (text: string, fromStderr: boolean) => {
    const masked = maskSecrets(text, options.secrets);
    if (log.length < LOG_LIMIT) log += masked;
    if (fromStderr && (errorTail += masked).length > 2 * LOG_LIMIT) errorTail = errorTail.slice(-LOG_LIMIT);
    options.onLog?.(masked);
  };
  const tree = await packDirectory({ root: options.repoRoot, limitBytes: options.workspaceLimitBytes, limitName: "SANDBOX_WORKSPACE_MB" });
  const baseMissing = await docker.getImage(options.baseImage).inspect().then(() => false, () => true);
  if (baseMissing) {
    const how = /node/.test(options.baseImage) ? "npm run sandbox:build:node" : "npm run sandbox:build";
    return { ok: false, error: `the base image ${options.baseImage} does not exist on this Docker engine; build it with \`${how}\``, durationMs: 0, log };
  }
  const container: Docker.Container = await docker.createContainer({
    Image: options.baseImage,
    Cmd: ["sh", "-c", "cat > /tmp/autocode-setup.sh && exec sh /tmp/autocode-setup.sh"],
    // Root inside the setup container: system site-packages and /opt are written here, then frozen read-only.
    User: "0:0",
    WorkingDir: WORKSPACE_DIR,
    Env: ["HOME=/root", "PIP_BREAK_SYSTEM_PACKAGES=1", "PIP_NO_CACHE_DIR=1", "npm_config_cache=/tmp/npm-cache", "CI=true", ...caEnv],
    Labels: { [LABEL_MANAGED]: "true", [LABEL_OWNER]: OWNER_ID, [LABEL_ROLE]: "setup" },
    AttachStdin: true,
    AttachStdout: true,
    AttachStderr: true,
    OpenStdin: true,
    StdinOnce: true,
    Tty: false,
    HostConfig: {
      NetworkMode: "bridge",
      // The host's CA bundle, read-only: behind a TLS-inspecting proxy nothing installs without it.
      Binds: existsSync(HOST_CA_BUNDLE) ? [`${HOST_CA_BUNDLE}:${CA_IN_CONTAINER}:ro`] : [],
      // /tmp (the script with its secrets, npm's cache) is a tmpfs: it is not part of the committed image.
      Tmpfs: { "/tmp": "rw,exec,nosuid,nodev,size=1g,mode=1777" },
      Memory: 2 * 1024 ** 3,
      PidsLimit: 1024,
      SecurityOpt: ["no-new-privileges"],
      LogConfig: { Type: "none", Config: {} },
    },
  });
  let timedOut = false;
  const kill = () => void container.kill().catch(() => undefined);
  const timer = setTimeout(() => {
    timedOut = true;
    kill();
  }, options.timeoutMs);
  options.signal?.addEventListener("abort", kill, { once: true });
  try {
    await container.putArchive(tree.open(), { path: WORKSPACE_DIR });
    if (options.overlay?.length) await container.putArchive(overlayTar(options.overlay), { path: WORKSPACE_DIR });
    const stream = await container.attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true });
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    docker.modem.demuxStream(stream, stdout, stderr);
    for (const [out, fromStderr] of [[stdout, false], [stderr, true]] as const) {
      out.setEncoding("utf8");
      out.on("data", (chunk: string) => append(chunk, fromStderr));
    }
    await container.start();
    stream.end(setupProgram(options.setupScript, options.secrets));
    const waited = (await container.wait()) as { StatusCode: number };
    const durationMs = () => Math.round(performance.now() - started);
    if (options.signal?.aborted) return { ok: false, error: "the environment build was cancelled", durationMs: durationMs(), log };
    if (timedOut) {
      return { ok: false, error: `the setup did not finish within ${Math.round(options.timeoutMs / 1000)} s and was stopped (raise the setup time limit on the project page if it needs longer)`, durationMs: durationMs(), log };
    }
    if (waited.StatusCode !== 0) {
      const command = failedCommand(errorTail);
      return {
        ok: false,
        error: `the setup failed (exit code ${waited.StatusCode})${command ? ` at: ${command}` : ""}. Fix the setup script or the repository's manifests on the project page, then rebuild.`,
        durationMs: durationMs(),
        log,
      };
    }
    const collected: Record<string, string | null> = {};
    for (const file of options.collect ?? []) collected[file] = await readContainerFile(container, `${WORKSPACE_DIR}/${file}`);
    const [repo, tag] = options.imageTag.split(":") as [string, string];
    await container.commit({
      repo,
      tag,
      // Back to the sandbox's own user, runner and environment; the setup's root and script are not inherited.
      changes: [
        "USER 10001:10001",
        `WORKDIR ${WORKSPACE_DIR}`,
        `CMD ["python3", "${RUNNER_PATH}"]`,
        // The CA variables pointed at the setup-only bundle mount; unset here so run containers do not warn about it.
        "ENV HOME=/tmp NODE_EXTRA_CA_CERTS= SSL_CERT_FILE= PIP_CERT= REQUESTS_CA_BUNDLE= npm_config_cache=/tmp/npm-cache",
        `ENV NODE_PATH=${ENV_NODE_MODULES} PATH=${ENV_NODE_MODULES}/.bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
        // The setup container's own labels would mark every container of this image as ours (and the reaper's).
        `LABEL ${LABEL_MANAGED}="" ${LABEL_OWNER}="" ${LABEL_ROLE}=""`,
        ...(Object.keys(options.labels).length ? [`LABEL ${Object.entries(options.labels).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(" ")}`] : []),
      ],
      pause: true,
    } as never);
    const info = await docker.getImage(options.imageTag).inspect();
    return { ok: true, imageTag: options.imageTag, bytes: info.Size, durationMs: durationMs(), log, collected };
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener("abort", kill);
    await removeContainer(container).catch(() => undefined);
  }
}
