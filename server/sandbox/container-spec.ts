import type { ContainerCreateOptions, MountSettings } from "dockerode";
import { env } from "@/server/env";
import { LABEL_MANAGED, LABEL_OWNER, LABEL_ROLE, LABEL_RUN, OWNER_ID } from "./docker-client";
import { SANDBOX_TMP_MB } from "./types";

export const WORKSPACE_DIR = "/workspace";
export const RUNNER_PATH = "/opt/autocode/runner.py";

export type ContainerRole = "pool" | "run" | "setup";

interface SpecOptions {
  role: ContainerRole;
  runId?: string;
  name?: string;
  cmd?: string[];
  /** Only setup containers (pip install, git clone) may reach the network; model code never does. */
  network?: boolean;
  /** A project's environment image instead of SANDBOX_IMAGE (same user, runner and limits). */
  image?: string;
}

function workspaceMount(sizeMb: number): MountSettings {
  return {
    Type: "volume",
    Source: "", // anonymous: created with the container, removed with it
    Target: WORKSPACE_DIR,
    VolumeOptions: {
      NoCopy: true,
      Labels: {},
      DriverConfig: { Name: "local", Options: { type: "tmpfs", device: "tmpfs", o: `size=${sizeMb}m,uid=10001,gid=10001,mode=0755,nosuid,nodev` } },
    },
  };
}

/**
 * SANDBOX_CPUS as CPU time per half second (CFS quota over a 500 ms period), not Docker's --cpus, whose 100 ms
 * period throttles every burst: a test run that needs 100 ms of CPU took 220 ms at 0.5 CPU and takes 100 ms now
 * (issue #17), while a container that keeps computing still gets SANDBOX_CPUS on average and never more.
 */
export const CPU_PERIOD_US = 500_000;

export function cpuLimit(cpus: number): { CpuPeriod: number; CpuQuota: number } {
  return { CpuPeriod: CPU_PERIOD_US, CpuQuota: Math.max(1_000, Math.round(cpus * CPU_PERIOD_US)) };
}

/** The limits every sandbox container runs under; nothing from the host is mounted. */
export function buildContainerSpec(options: SpecOptions): ContainerCreateOptions {
  const settings = env();
  const memory = settings.SANDBOX_MEMORY_MB * 1024 * 1024;
  const labels: Record<string, string> = {
    [LABEL_MANAGED]: "true",
    [LABEL_OWNER]: OWNER_ID,
    [LABEL_ROLE]: options.role,
  };
  if (options.runId !== undefined) labels[LABEL_RUN] = options.runId;
  const scratch = options.role === "setup" ? "/out" : WORKSPACE_DIR;
  return {
    Image: options.image ?? settings.SANDBOX_IMAGE,
    name: options.name,
    Cmd: options.cmd ?? ["python3", RUNNER_PATH],
    User: "10001:10001",
    WorkingDir: options.role === "setup" ? "/out" : WORKSPACE_DIR,
    Env: ["HOME=/tmp", "TMPDIR=/tmp", "PYTHONDONTWRITEBYTECODE=1", `PYTHONPATH=${WORKSPACE_DIR}/.packages`],
    Labels: labels,
    AttachStdin: true,
    AttachStdout: true,
    AttachStderr: true,
    OpenStdin: true,
    StdinOnce: false,
    Tty: false,
    // NetworkMode "none" alone: loopback only, and Docker still writes /etc/hosts (dev servers and test runners
    // such as vitest resolve "localhost"); NetworkDisabled would take the hosts file away too.
    NetworkDisabled: false,
    HostConfig: {
      NetworkMode: options.network ? "bridge" : "none",
      Memory: memory,
      MemorySwap: memory, // equal to Memory: no swap, so a memory hog is killed instead of thrashing
      ...cpuLimit(settings.SANDBOX_CPUS),
      PidsLimit: settings.SANDBOX_PIDS_LIMIT,
      // Read-only for every image, project environments included: a container's own overlay2 layer has no size limit
      // on ext4, so model code writes only to size-limited tmpfs (/tmp, the workspace, where a Node environment's
      // node_modules is a folder of links into the image: node-modules-links.ts).
      ReadonlyRootfs: true,
      Tmpfs: {
        ...(options.role === "setup" ? { [scratch]: "rw,exec,nosuid,nodev,size=256m,uid=10001,gid=10001,mode=0755" } : {}),
        "/tmp": `rw,nosuid,nodev,size=${SANDBOX_TMP_MB}m,mode=1777`,
      },
      // The workspace is a tmpfs *volume*, not a plain tmpfs: Docker's putArchive refuses a read-only rootfs
      // unless the target is a volume, and an anonymous volume goes with the container (remove with v: true).
      Mounts: options.role === "setup" ? [] : [workspaceMount(settings.SANDBOX_WORKSPACE_MB)],
      CapDrop: ["ALL"],
      SecurityOpt: ["no-new-privileges"],
      Init: false,
      AutoRemove: false,
      Binds: [],
      LogConfig: { Type: "none", Config: {} },
    },
  };
}
