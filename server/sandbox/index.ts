import { DockerSandbox } from "./docker-sandbox";
import type { Sandbox } from "./types";

export type { ExecutionResult, Sandbox, SandboxFile, SandboxSession, TestCaseResult, RunOptions } from "./types";
export { DockerSandbox } from "./docker-sandbox";
export { reapOrphans, removeRunContainers, listOwnContainers, startReaper, stopReaper } from "./reap-orphans";
export { checkDockerAvailable } from "./docker-client";
export { validateSandboxPath } from "./validate-path";

const globalForSandbox = globalThis as unknown as { autocodeSandbox?: DockerSandbox };

/** The process-wide sandbox (cached on globalThis so dev reloads do not start a second pool). */
export function getSandbox(): Sandbox {
  globalForSandbox.autocodeSandbox ??= new DockerSandbox();
  return globalForSandbox.autocodeSandbox;
}
