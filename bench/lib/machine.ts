import { execFileSync } from "node:child_process";
import os from "node:os";
import path from "node:path";
import { env } from "@/server/env";

export interface MachineInfo {
  cpuModel: string;
  cpus: number;
  memoryGb: number;
  os: string;
  node: string;
  docker: string | null;
  sandboxImage: string;
  sandboxLimits: { cpus: number; memoryMb: number };
  commit: string | null;
  /** 1-minute load average when the suite started and ended: other work on the machine moves every figure. */
  loadAverage: { start: number; end: number };
}

function quiet(command: string, args: string[], cwd?: string): string | null {
  try {
    return execFileSync(command, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], timeout: 10_000 }).trim() || null;
  } catch {
    return null;
  }
}

/** What the figures were measured on, written next to them so nobody compares numbers across machines blindly. */
export function machineInfo(loadAtStart: number): MachineInfo {
  const settings = env();
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model.trim() ?? "unknown",
    cpus: cpus.length,
    memoryGb: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    os: `${os.type()} ${os.release()} (${os.arch()})`,
    node: process.version,
    docker: quiet("docker", ["version", "--format", "{{.Server.Version}}"]),
    sandboxImage: settings.SANDBOX_IMAGE,
    sandboxLimits: { cpus: settings.SANDBOX_CPUS, memoryMb: settings.SANDBOX_MEMORY_MB },
    commit: quiet("git", ["rev-parse", "--short=12", "HEAD"], path.resolve(import.meta.dirname, "../..")),
    loadAverage: { start: loadAtStart, end: Math.round(os.loadavg()[0]! * 100) / 100 },
  };
}
