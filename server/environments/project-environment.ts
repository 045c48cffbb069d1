import { z } from "zod";
import { requireProject } from "@/server/access/project-access";
import { decryptSecret, encryptSecret } from "@/server/auth/secrets";
import type { Db } from "@/server/db/client";
import { AppError } from "@/server/errors";
import { ensureEnvironment } from "./ensure-environment";
import { resolveEnvironment } from "./resolve-environment";

export const ZEnvironmentDto = z.object({
  state: z.enum(["NONE", "BUILDING", "READY", "FAILED"]),
  language: z.string(),
  framework: z.string(),
  /** What is used: the override when set, else what was detected. */
  setupScript: z.string(),
  testCommand: z.string().nullable(),
  setupTimeoutS: z.number().int(),
  overrides: z.object({ language: z.string().nullable(), setupScript: z.string().nullable(), testCommand: z.string().nullable(), setupTimeoutS: z.number().int().nullable() }),
  secretNames: z.array(z.string()),
  imageTag: z.string().nullable(),
  imageBytes: z.number().nullable(),
  buildMs: z.number().nullable(),
  trigger: z.string().nullable(),
  log: z.string(),
  error: z.string().nullable(),
  startedAt: z.date().nullable(),
  finishedAt: z.date().nullable(),
  /** True when the repository's manifests or the settings changed since the image: the next run rebuilds it. */
  stale: z.boolean(),
});
export type TEnvironmentDto = z.infer<typeof ZEnvironmentDto>;

const SECRET_NAME = /^[A-Z_][A-Z0-9_]{0,63}$/;

export const ZUpdateEnvironment = z.object({
  projectId: z.string().min(1),
  language: z.enum(["python", "node", "none"]).nullable().optional(),
  setupScript: z.string().max(20_000).nullable().optional(),
  testCommand: z.string().trim().max(2_000).nullable().optional(),
  setupTimeoutS: z.number().int().min(10).max(7200).nullable().optional(),
  /** Replaces every secret; names are environment variable names, values at most 4 KB. */
  secrets: z.record(z.string().regex(SECRET_NAME, "Secret names are environment variable names (A-Z, 0-9, _)."), z.string().min(1).max(4096)).nullable().optional(),
});

/** The project's environment as its page shows it: state, log, image, build time, trigger, effective settings. */
export async function getEnvironment(options: { db: Db; userId: string; projectId: string }): Promise<TEnvironmentDto> {
  const project = await requireProject({ ...options, need: "read" });
  const row = await options.db.projectEnvironment.findUnique({ where: { projectId: project.id } });
  const resolved = await resolveEnvironment({ repoRoot: project.repoPath, overrides: row });
  const secretNames = row?.secretsCipher ? Object.keys(JSON.parse(decryptSecret(row.secretsCipher)) as Record<string, string>).sort() : [];
  return {
    state: row?.state ?? "NONE",
    language: resolved.language,
    framework: resolved.framework,
    setupScript: resolved.setupScript,
    testCommand: resolved.testCommand?.shell ?? null,
    setupTimeoutS: Math.round(resolved.setupTimeoutMs / 1000),
    overrides: { language: row?.language ?? null, setupScript: row?.setupScript ?? null, testCommand: row?.testCommand ?? null, setupTimeoutS: row?.setupTimeoutS ?? null },
    secretNames,
    imageTag: row?.imageTag ?? null,
    imageBytes: row?.imageBytes === null || row?.imageBytes === undefined ? null : Number(row.imageBytes),
    buildMs: row?.buildMs ?? null,
    trigger: row?.trigger ?? null,
    log: row?.log ?? "",
    error: row?.error ?? null,
    startedAt: row?.startedAt ?? null,
    finishedAt: row?.finishedAt ?? null,
    stale: row?.inputsHash !== undefined && row?.inputsHash !== null && row.inputsHash !== resolved.inputsHash,
  };
}

/** Saves the environment's settings (null clears an override back to detection); the next run rebuilds if needed. */
export async function updateEnvironment(options: { db: Db; userId: string; input: z.infer<typeof ZUpdateEnvironment> }): Promise<TEnvironmentDto> {
  const input = ZUpdateEnvironment.parse(options.input);
  await requireProject({ db: options.db, userId: options.userId, projectId: input.projectId, need: "write" });
  const data: Record<string, unknown> = {};
  for (const key of ["language", "setupScript", "testCommand", "setupTimeoutS"] as const) if (input[key] !== undefined) data[key] = input[key] === "" ? null : input[key];
  // Secrets are stored encrypted and never sent back: the page only ever sees their names.
  if (input.secrets !== undefined) data.secretsCipher = input.secrets && Object.keys(input.secrets).length ? encryptSecret(JSON.stringify(input.secrets)) : null;
  const current = await options.db.projectEnvironment.findUnique({ where: { projectId: input.projectId } });
  if (current?.state === "BUILDING") throw new AppError("CONFLICT", "The environment is being built; change its settings when the build has finished.");
  await options.db.projectEnvironment.upsert({ where: { projectId: input.projectId }, create: { projectId: input.projectId, ...data }, update: data });
  return getEnvironment({ db: options.db, userId: options.userId, projectId: input.projectId });
}

/** Rebuilds the image from the project's default branch now, in the background; the page follows the state and log. */
export async function rebuildEnvironment(options: { db: Db; userId: string; projectId: string }): Promise<TEnvironmentDto> {
  const project = await requireProject({ ...options, need: "write" });
  const current = await options.db.projectEnvironment.findUnique({ where: { projectId: project.id } });
  if (current?.state === "BUILDING") throw new AppError("CONFLICT", "The environment is already being built.");
  const started = ensureEnvironment({ db: options.db, projectId: project.id, repoRoot: project.repoPath, trigger: "rebuilt from the project page", force: true });
  started.catch(() => undefined); // a failure is recorded on the environment (state FAILED, error, log)
  // Give the build a moment to claim the row, so the answer already says BUILDING.
  for (let i = 0; i < 20; i++) {
    const row = await options.db.projectEnvironment.findUnique({ where: { projectId: project.id } });
    if (row?.state === "BUILDING" || (row?.finishedAt && row.finishedAt > (current?.finishedAt ?? new Date(0)))) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return getEnvironment(options);
}
