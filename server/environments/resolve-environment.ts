import { createHash } from "node:crypto";
import { IMAGE_LAYOUT } from "@/server/environments/build-environment-image";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { decryptSecret } from "@/server/auth/secrets";
import { env } from "@/server/env";
import { getDocker } from "@/server/sandbox/docker-client";
import { packDirectory } from "@/server/sandbox/pack-directory";
import type { SuiteCommand } from "@/server/sandbox/types";
import { detectEnvironment, reportFormatOf, testCommandFor, type DetectedEnvironment, type Language, type TestFramework } from "./detect-environment";

export const ENV_IMAGE_REPO = "autocodeai-env";
export const DEFAULT_SETUP_TIMEOUT_S = 900;

/** The stored overrides of a project's environment (ProjectEnvironment row), null fields detected. */
export interface EnvironmentOverrides {
  language?: string | null;
  setupScript?: string | null;
  testCommand?: string | null;
  setupTimeoutS?: number | null;
  secretsCipher?: string | null;
}

export interface ResolvedEnvironment {
  detected: DetectedEnvironment;
  language: Language;
  framework: TestFramework;
  setupScript: string;
  testCommand: SuiteCommand | null;
  baseImage: string;
  /** Hash of setup script, base image id, secrets and manifests: the image's identity. */
  inputsHash: string;
  imageTag: string;
  setupTimeoutMs: number;
  secrets: Record<string, string>;
}

export function baseImageFor(language: Language): string {
  return language === "node" ? env().SANDBOX_NODE_IMAGE : env().SANDBOX_IMAGE;
}

async function listRepoFiles(root: string): Promise<string[]> {
  // packDirectory's walk is the one listing of a checkout (same skips, same symlink rule).
  const packed = await packDirectory({ root, limitBytes: Number.MAX_SAFE_INTEGER, limitName: "none", listOnly: true });
  return packed.paths;
}

/** What a project's environment is right now: detected from the checkout, overridden by the project's settings. */
export async function resolveEnvironment(options: {
  repoRoot: string;
  overrides: EnvironmentOverrides | null;
  /** Contents that stand in for the checkout's files (a run's manifest change before it is written). */
  replaced?: Record<string, string>;
}): Promise<ResolvedEnvironment> {
  const root = path.resolve(options.repoRoot);
  const replaced = options.replaced ?? {};
  const files = [...new Set([...(await listRepoFiles(root)), ...Object.keys(replaced)])];
  const read = async (file: string) => replaced[file] ?? (await readFile(path.join(root, file), "utf8").catch(() => null));
  const detected = await detectEnvironment({ files, read });
  const o = options.overrides ?? {};
  const language = (o.language === "python" || o.language === "node" || o.language === "none" ? o.language : detected.language) as Language;
  const setupScript = o.setupScript ?? detected.setupScript;
  // A language set by hand on a repository detected as something else starts from that language's defaults.
  const framework: TestFramework = language === detected.language ? detected.framework : language === "python" ? "pytest" : "none";
  const testCommand: SuiteCommand | null = o.testCommand ? { shell: o.testCommand, format: reportFormatOf(o.testCommand) } : language === detected.language ? detected.testCommand : testCommandFor(framework);
  const baseImage = baseImageFor(language);
  const secrets = o.secretsCipher ? (JSON.parse(decryptSecret(o.secretsCipher)) as Record<string, string>) : {};
  const baseId = await getDocker()
    .getImage(baseImage)
    .inspect()
    .then((info) => info.Id, () => baseImage);
  const hash = createHash("sha256");
  // "layout": how the setup wraps the script (node_modules' place and owner); bumped so older images are rebuilt.
  hash.update(`layout ${IMAGE_LAYOUT}\nbase ${baseId}\nsetup ${setupScript}\n`);
  // Secret values change what an install may fetch; only their hash enters the tag.
  hash.update(`secrets ${createHash("sha256").update(JSON.stringify(Object.entries(secrets).sort())).digest("hex")}\n`);
  for (const manifest of detected.manifests) {
    hash.update(`file ${manifest}\n`);
    const text = replaced[manifest];
    hash.update(text !== undefined ? Buffer.from(text, "utf8") : await readFile(path.join(root, manifest)).catch(() => Buffer.alloc(0)));
  }
  const inputsHash = hash.digest("hex").slice(0, 24);
  return {
    detected,
    language,
    framework,
    setupScript,
    testCommand,
    baseImage,
    inputsHash,
    imageTag: `${ENV_IMAGE_REPO}:${inputsHash}`,
    setupTimeoutMs: (o.setupTimeoutS ?? DEFAULT_SETUP_TIMEOUT_S) * 1000,
    secrets,
  };
}
