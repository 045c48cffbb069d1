import { readFile } from "node:fs/promises";
import path from "node:path";
import type { Db } from "@/server/db/client";
import { env } from "@/server/env";
import { getDocker } from "@/server/sandbox/docker-client";
import { buildEnvironmentImage } from "./build-environment-image";
import { ENV_IMAGE_REPO, resolveEnvironment, type ResolvedEnvironment } from "./resolve-environment";

export interface DependencyChange {
  kind: "pip" | "npm";
  /** Checked by installPackages (server/tools): plain names or, for pip, ./folders of the repository. */
  packages: string[];
}

export type DependencyChangeOutcome =
  | { ok: true; image: string; built: boolean; durationMs: number; files: Array<{ path: string; content: string }> }
  | { ok: false; error: string; log: string };

const NPM_MANIFESTS = ["package.json", "package-lock.json"];

/** requirements.txt with the packages it does not name yet appended (one line each). */
export function withRequirements(before: string | null, packages: string[]): string {
  const named = new Set((before ?? "").split("\n").map((line) => line.trim()));
  const added = packages.filter((p) => !named.has(p));
  const head = before === null || before === "" ? "" : before.endsWith("\n") ? before : `${before}\n`;
  return head + added.map((p) => `${p}\n`).join("");
}

async function imageExists(tag: string): Promise<boolean> {
  return getDocker().getImage(tag).inspect().then(() => true, () => false);
}

function buildOptions(resolved: ResolvedEnvironment, repoRoot: string, signal?: AbortSignal) {
  return {
    repoRoot,
    baseImage: resolved.baseImage,
    labels: { "ai.autocode.env-inputs": resolved.inputsHash, "ai.autocode.env-language": resolved.language },
    timeoutMs: resolved.setupTimeoutMs,
    secrets: resolved.secrets,
    workspaceLimitBytes: env().SANDBOX_WORKSPACE_MB * 1024 * 1024,
    signal,
  };
}

/**
 * A run's dependency change (a pip_install / npm_install step): the manifest edited and the environment image
 * rebuilt for it in a setup container with network, tagged by the hash of the new inputs like the project's own
 * builds (so the project reuses it once the run is merged). pip: the package is appended to requirements.txt
 * and the project's setup runs over it; npm: `npm install --save` rewrites package.json and its lockfile. The
 * worktree is not touched: the caller writes the returned files through its workspace, and only on success.
 */
export async function changeRunEnvironment(options: { db: Db; projectId: string; repoRoot: string; change: DependencyChange; signal?: AbortSignal }): Promise<DependencyChangeOutcome> {
  const { repoRoot, change } = options;
  const row = await options.db.projectEnvironment.findUnique({ where: { projectId: options.projectId } });
  const current = await resolveEnvironment({ repoRoot, overrides: row });
  const wanted = change.kind === "pip" ? "python" : "node";
  if (current.language !== wanted) {
    return { ok: false, log: "", error: `${change.kind}_install needs a ${wanted === "python" ? "Python" : "Node.js"} project; this one is ${current.language === "none" ? "of no recognised language" : current.language}` };
  }
  const started = performance.now();
  if (change.kind === "pip") {
    for (const local of change.packages.filter((p) => p.startsWith("./"))) {
      const found = await readFile(path.join(repoRoot, local, "pyproject.toml")).then(() => true, () => readFile(path.join(repoRoot, local, "setup.py")).then(() => true, () => false));
      if (!found) return { ok: false, log: "", error: `${local} is not a Python package folder of the repository (no pyproject.toml or setup.py there)` };
    }
    const before = await readFile(path.join(repoRoot, "requirements.txt"), "utf8").catch(() => null);
    const files = [{ path: "requirements.txt", content: withRequirements(before, change.packages) }];
    const resolved = await resolveEnvironment({ repoRoot, overrides: row, replaced: { "requirements.txt": files[0]!.content } });
    if (!/requirements\.txt/.test(resolved.setupScript)) {
      return { ok: false, log: "", error: "the project's setup script does not install requirements.txt; add the package to the setup script on the project page instead" };
    }
    if (await imageExists(resolved.imageTag)) return { ok: true, image: resolved.imageTag, built: false, durationMs: 0, files };
    const result = await buildEnvironmentImage({ ...buildOptions(resolved, repoRoot, options.signal), setupScript: resolved.setupScript, imageTag: resolved.imageTag, overlay: files });
    if (!result.ok) return { ok: false, error: result.error, log: result.log };
    return { ok: true, image: resolved.imageTag, built: true, durationMs: Math.round(performance.now() - started), files };
  }

  if (current.detected.manifests.some((m) => m === "pnpm-lock.yaml" || m === "yarn.lock")) {
    return { ok: false, log: "", error: "npm_install works on npm projects (package-lock.json or no lockfile); this one uses pnpm or yarn: edit package.json and its lockfile instead" };
  }
  // npm picks the version and rewrites the lockfile; the image's tag can only be known from what it wrote.
  const scratch = `${ENV_IMAGE_REPO}:change-${process.pid}-${Date.now().toString(36)}`;
  const install = `npm install --save --no-audit --no-fund ${change.packages.map((p) => `'${p}'`).join(" ")}`;
  // A project's own setup script (build steps, registry login) still runs after the install.
  const script = row?.setupScript ? `${install}\n${row.setupScript}` : install;
  const result = await buildEnvironmentImage({ ...buildOptions(current, repoRoot, options.signal), setupScript: script, imageTag: scratch, collect: NPM_MANIFESTS });
  if (!result.ok) return { ok: false, error: result.error, log: result.log };
  const files = NPM_MANIFESTS.flatMap((file) => (result.collected[file] != null ? [{ path: file, content: result.collected[file] }] : []));
  const resolved = await resolveEnvironment({ repoRoot, overrides: row, replaced: Object.fromEntries(files.map((f) => [f.path, f.content])) });
  const [repo, tag] = resolved.imageTag.split(":") as [string, string];
  await getDocker().getImage(scratch).tag({ repo, tag });
  await getDocker().getImage(scratch).remove().catch(() => undefined);
  return { ok: true, image: resolved.imageTag, built: true, durationMs: Math.round(performance.now() - started), files };
}
