import type { ContainerCreateOptions, MountSettings } from "dockerode";
import { env } from "@/server/env";
import { LABEL_MANAGED, LABEL_OWNER, LABEL_ROLE, LABEL_RUN, OWNER_ID } from "./docker-client";

export const WORKSPACE_DIR = "/workspace";
export const RUNNER_PATH = "/opt/autocode/runner.py";

/** Directories of the base images the sandbox user may write (besides /tmp and node_modules). */
const USER_WRITABLE_DIRS = ["/var/tmp", "/run/lock", "/home/sandbox", "/out"];

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
  // A project environment image's node_modules (owned by the sandbox user in the image) must be writable: test
  // runners and builds cache into it. The container's own overlay layer is copy-on-write (only written files are
  // copied, the image never changes) and goes with the container; every other directory the sandbox user could
  // write gets a size-limited tmpfs, so node_modules is the only place model code writes to the engine's disk.
  const writableLayer = options.role !== "setup" && options.image !== undefined && options.image !== settings.SANDBOX_IMAGE;
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
      NanoCpus: Math.round(settings.SANDBOX_CPUS * 1e9),
      PidsLimit: settings.SANDBOX_PIDS_LIMIT,
      ReadonlyRootfs: !writableLayer,
      Tmpfs: {
        ...(options.role === "setup" ? { [scratch]: "rw,exec,nosuid,nodev,size=256m,uid=10001,gid=10001,mode=0755" } : {}),
        "/tmp": "rw,nosuid,nodev,size=64m,mode=1777",
        ...(writableLayer ? Object.fromEntries(USER_WRITABLE_DIRS.map((dir) => [dir, "rw,nosuid,nodev,size=16m,uid=10001,gid=10001,mode=0755"])) : {}),
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
