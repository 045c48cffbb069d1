import type { Db } from "@/server/db/client";
import { getDocker } from "@/server/sandbox/docker-client";
import { ENV_IMAGE_REPO } from "./resolve-environment";

/**
 * Removes project environment images nobody needs any more: not a project's current image, not used by any
 * container (running or stopped), and older than the retention (a run's rebuilt image waits that long for its
 * merge, which then reuses it). Each environment image is hundreds of MB; without this they pile up with every
 * manifest change. `reference` narrows the images looked at (tests use their own tags on a shared engine).
 */
export async function pruneEnvironmentImages(options: { db: Db; retentionHours: number; reference?: string; now?: number }): Promise<string[]> {
  const docker = getDocker();
  const images = await docker.listImages({ filters: { reference: [options.reference ?? `${ENV_IMAGE_REPO}:*`] } });
  if (images.length === 0) return [];
  const inUseTags = new Set(
    (await options.db.projectEnvironment.findMany({ where: { imageTag: { not: null } }, select: { imageTag: true } })).map((row) => row.imageTag!),
  );
  const inUseIds = new Set((await docker.listContainers({ all: true })).map((c) => c.ImageID));
  const cutoff = (options.now ?? Date.now()) / 1000 - options.retentionHours * 3600;
  const removed: string[] = [];
  for (const image of images) {
    const tags = (image.RepoTags ?? []).filter((tag) => tag.startsWith(`${ENV_IMAGE_REPO}:`));
    if (tags.some((tag) => inUseTags.has(tag)) || inUseIds.has(image.Id) || image.Created > cutoff) continue;
    for (const tag of tags) {
      // Untag one name at a time: an image another project still names under another tag keeps that tag.
      await docker.getImage(tag).remove().then(() => removed.push(tag), () => undefined);
    }
  }
  return removed;
}

/**
 * The hourly sweep of one process: the web process and every worker run it, because a worker on another machine
 * has its own Docker engine, where its runs' environment images pile up. A failed sweep only logs.
 */
export function startImageSweep(options: { db: () => Db; retentionHours: number; log: (line: string) => void }): () => void {
  const prune = () =>
    void pruneEnvironmentImages({ db: options.db(), retentionHours: options.retentionHours })
      .then((gone) => gone.length > 0 && options.log(`removed ${gone.length} unused environment image(s)`))
      .catch((error: unknown) => options.log(`environment image sweep failed: ${String(error)}`));
  prune();
  const timer = setInterval(prune, 3_600_000);
  timer.unref();
  return () => clearInterval(timer);
}
