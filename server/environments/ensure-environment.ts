import type { Db } from "@/server/db/client";
import { env } from "@/server/env";
import { AppError } from "@/server/errors";
import { getDocker } from "@/server/sandbox/docker-client";
import { buildEnvironmentImage } from "./build-environment-image";
import { resolveEnvironment, type ResolvedEnvironment } from "./resolve-environment";

const POLL_MS = 1_000;
const LOG_FLUSH_MS = 1_000;

export interface ReadyEnvironment extends ResolvedEnvironment {
  /** True when this call ran a setup container; false when the image was reused. */
  built: boolean;
}

export type EnvironmentNotice = { kind: "waiting"; reason: string } | { kind: "building"; trigger: string } | { kind: "ready"; built: boolean; imageTag: string; buildMs: number | null };

async function imageExists(tag: string): Promise<boolean> {
  return getDocker()
    .getImage(tag)
    .inspect()
    .then(() => true, () => false);
}

function refusal(error: string | null): AppError {
  const message = `The project's environment could not be built: ${error ?? "unknown error"}`;
  return new AppError("CONFLICT", message, { userMessage: message });
}

/**
 * Makes the project's environment image exist for this checkout: reused when its inputs are unchanged (no
 * setup container), built once otherwise, while other callers wait. A failed build for the same inputs is
 * not retried by runs: they are refused with its message until the settings or manifests change, or a rebuild.
 */
export async function ensureEnvironment(options: {
  db: Db;
  projectId: string;
  repoRoot: string;
  trigger: string;
  force?: boolean;
  signal?: AbortSignal;
  onNotice?: (notice: EnvironmentNotice) => void;
}): Promise<ReadyEnvironment> {
  const { db, projectId } = options;
  for (;;) {
    // Insert-if-missing in one statement (ON CONFLICT DO NOTHING): Prisma's upsert reads then inserts, so two
    // workers starting a new project's first runs together made one of them fail with P2002.
    await db.projectEnvironment.createMany({ data: [{ projectId }], skipDuplicates: true });
    const row = await db.projectEnvironment.findUniqueOrThrow({ where: { projectId } });
    const resolved = await resolveEnvironment({ repoRoot: options.repoRoot, overrides: row });
    const stale = row.startedAt !== null && Date.now() - row.startedAt.getTime() > resolved.setupTimeoutMs + 120_000;
    if (row.state === "BUILDING" && !stale) {
      options.onNotice?.({ kind: "waiting", reason: "the project's environment is being built" });
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      if (options.signal?.aborted) throw options.signal.reason ?? new Error("aborted");
      continue;
    }
    const sameInputs = row.inputsHash === resolved.inputsHash;
    if (!options.force && sameInputs && row.state === "READY" && (await imageExists(resolved.imageTag))) {
      options.onNotice?.({ kind: "ready", built: false, imageTag: resolved.imageTag, buildMs: row.buildMs });
      return { ...resolved, built: false };
    }
    if (!options.force && sameInputs && row.state === "FAILED") throw refusal(row.error);
    if (resolved.setupScript.trim() === "" || resolved.language === "none") {
      // Nothing to install: the base image is the environment, no setup container, nothing to wait for.
      if (!(sameInputs && row.state === "READY")) {
        await db.projectEnvironment.update({
          where: { projectId },
          data: { state: "READY", inputsHash: resolved.inputsHash, imageTag: resolved.baseImage, trigger: "nothing to install", buildMs: 0, imageBytes: null, log: "The repository declares no dependencies: the base image is used as it is.\n", error: null, finishedAt: new Date() },
        });
      }
      options.onNotice?.({ kind: "ready", built: false, imageTag: resolved.baseImage, buildMs: 0 });
      return { ...resolved, imageTag: resolved.baseImage, built: false };
    }

    // Claim the build: exactly one caller moves the row to BUILDING (a conditional update on what it read).
    const trigger = options.force ? options.trigger : row.inputsHash === null ? options.trigger : "the setup script, base image or dependency manifests changed";
    const claimed = await db.projectEnvironment.updateMany({
      where: { projectId, state: row.state, updatedAt: row.updatedAt },
      data: { state: "BUILDING", inputsHash: resolved.inputsHash, trigger, log: "", error: null, startedAt: new Date(), finishedAt: null },
    });
    if (claimed.count === 0) continue;
    return build(options, resolved, trigger);
  }
}

async function build(options: Parameters<typeof ensureEnvironment>[0], resolved: ResolvedEnvironment, trigger: string): Promise<ReadyEnvironment> {
  const { db, projectId } = options;
  const finish = (data: Parameters<Db["projectEnvironment"]["update"]>[0]["data"]) =>
    db.projectEnvironment.update({ where: { projectId }, data: { ...data, finishedAt: new Date() } });
  try {
    // Same inputs, another project (or a rebuild of a lost row): the image is already there.
    if (!options.force && (await imageExists(resolved.imageTag))) {
      const info = await getDocker().getImage(resolved.imageTag).inspect();
      await finish({ state: "READY", imageTag: resolved.imageTag, imageBytes: BigInt(info.Size), buildMs: 0, log: "An image with the same setup script, base image and manifests exists: reused, nothing installed.\n" });
      options.onNotice?.({ kind: "ready", built: false, imageTag: resolved.imageTag, buildMs: 0 });
      return { ...resolved, built: false };
    }
    options.onNotice?.({ kind: "building", trigger });
    let pending = "";
    let flushing: Promise<unknown> = Promise.resolve();
    const flush = () => {
      if (!pending) return;
      const text = pending;
      pending = "";
      flushing = flushing.then(() => db.$executeRaw`UPDATE "ProjectEnvironment" SET "log" = left("log" || ${text}, 200000) WHERE "projectId" = ${projectId}`).catch(() => undefined);
    };
    const flusher = setInterval(flush, LOG_FLUSH_MS);
    const result = await buildEnvironmentImage({
      repoRoot: options.repoRoot,
      baseImage: resolved.baseImage,
      setupScript: resolved.setupScript,
      imageTag: resolved.imageTag,
      labels: { "ai.autocode.env-inputs": resolved.inputsHash, "ai.autocode.env-language": resolved.language },
      timeoutMs: resolved.setupTimeoutMs,
      secrets: resolved.secrets,
      workspaceLimitBytes: env().SANDBOX_WORKSPACE_MB * 1024 * 1024,
      onLog: (text) => {
        pending += text;
      },
      signal: options.signal,
    }).finally(() => clearInterval(flusher));
    flush();
    await flushing;
    if (!result.ok && options.signal?.aborted) {
      // The run that was building it was cancelled: not a failed setup; the next run builds again.
      await finish({ state: "NONE", inputsHash: null, error: null, buildMs: result.durationMs, log: result.log });
      throw options.signal.reason ?? new Error("cancelled");
    }
    if (!result.ok) {
      await finish({ state: "FAILED", error: result.error, buildMs: result.durationMs, log: result.log, imageTag: null, imageBytes: null });
      throw refusal(result.error);
    }
    await finish({ state: "READY", imageTag: result.imageTag, imageBytes: BigInt(result.bytes), buildMs: result.durationMs, log: result.log });
    options.onNotice?.({ kind: "ready", built: true, imageTag: result.imageTag, buildMs: result.durationMs });
    return { ...resolved, built: true };
  } catch (error) {
    // Whatever went wrong, the row must not stay BUILDING (runs would wait for nothing). An error thrown here is
    // the engine's (Docker unreachable, disk full), not the setup script's: the next run tries again.
    const row = await db.projectEnvironment.findUnique({ where: { projectId } });
    if (row?.state === "BUILDING") {
      const message = error instanceof AppError ? error.userMessage : error instanceof Error ? error.message : String(error);
      await finish({ state: "NONE", inputsHash: null, error: `The last build could not run: ${message}` });
    }
    throw error;
  }
}
