import os from "node:os";
import type Docker from "dockerode";
import { getDocker, LABEL_MANAGED, LABEL_OWNER, LABEL_RUN, OWNER_ID, runNameToken } from "./docker-client";
import { removeContainer } from "./sandbox-box";

async function listManaged(extraLabels: string[] = []): Promise<Docker.ContainerInfo[]> {
  return getDocker().listContainers({ all: true, filters: { label: [`${LABEL_MANAGED}=true`, ...extraLabels] } });
}

async function removeAll(infos: Docker.ContainerInfo[]): Promise<number> {
  const docker = getDocker();
  const results = await Promise.allSettled(infos.map((info) => removeContainer(docker.getContainer(info.Id))));
  return results.filter((result) => result.status === "fulfilled").length;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Another host's stopped container is left this long, so one that is only being created is never taken. */
const FOREIGN_STOPPED_GRACE_S = 10 * 60;

/**
 * An orphan: its owner process on this host is gone, or it is another host's container that stopped long ago.
 * A live owner's container is never an orphan, even before it starts: a sibling worker may have just created it.
 */
function isOrphan(info: Docker.ContainerInfo, nowS = Date.now() / 1000): boolean {
  const owner = info.Labels[LABEL_OWNER];
  if (owner === OWNER_ID) return false; // ours: sessions and the pool remove their own
  if (owner === undefined) return true;
  const [host, pidText] = owner.split("/");
  if (host === os.hostname()) return !processAlive(Number(pidText));
  return info.State !== "running" && nowS - info.Created > FOREIGN_STOPPED_GRACE_S;
}

/** Removes sandbox containers left behind by processes that died (run at start and periodically). */
export async function reapOrphans(): Promise<number> {
  const orphans = (await listManaged()).filter(isOrphan);
  return removeAll(orphans);
}

/** Every container of one run, from any process on this engine: labelled at creation or renamed from the pool. */
export async function listRunContainers(runId: string): Promise<Docker.ContainerInfo[]> {
  const prefix = `/autocode-run-${runNameToken(runId)}-`;
  return (await listManaged()).filter((info) => info.Labels[LABEL_RUN] === runId || info.Names.some((name) => name.startsWith(prefix)));
}

export async function removeRunContainers(runId: string): Promise<number> {
  return removeAll(await listRunContainers(runId));
}

/** Containers created by this process that still exist (tests assert this is empty after a suite). */
export async function listOwnContainers(): Promise<Docker.ContainerInfo[]> {
  return listManaged([`${LABEL_OWNER}=${OWNER_ID}`]);
}

const REAP_EVERY_MS = 60_000;
let reaper: NodeJS.Timeout | undefined;

/** The one periodic reaper of this process (the web server and the sandbox both ask for it; it runs once). */
export function startReaper(): void {
  reaper ??= setInterval(() => void reapOrphans().catch(() => undefined), REAP_EVERY_MS).unref();
}

export function stopReaper(): void {
  clearInterval(reaper);
  reaper = undefined;
}
