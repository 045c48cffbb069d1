import os from "node:os";
import { randomUUID } from "node:crypto";
import Docker from "dockerode";
import { env } from "@/server/env";
import { AppError } from "@/server/errors";

export const LABEL_MANAGED = "ai.autocode.managed";
export const LABEL_RUN = "ai.autocode.run";
export const LABEL_OWNER = "ai.autocode.owner";
export const LABEL_ROLE = "ai.autocode.role";

/** Identifies this process on the containers it creates, so the reaper can tell live owners from dead ones. */
export const OWNER_ID = `${os.hostname()}/${process.pid}/${randomUUID().slice(0, 8)}`;

const globalForDocker = globalThis as unknown as { autocodeDocker?: Docker };

export function getDocker(): Docker {
  globalForDocker.autocodeDocker ??= new Docker();
  return globalForDocker.autocodeDocker;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function engineUnavailable(cause: unknown): AppError {
  return new AppError("UNAVAILABLE", `Docker engine unreachable: ${describe(cause)}`, {
    cause,
    userMessage:
      "The Docker engine is not reachable, so no code can be run. Start Docker (Docker Desktop, or `sudo dockerd &` on Linux) and make sure this user can use /var/run/docker.sock.",
  });
}

export function imageMissing(image: string): AppError {
  return new AppError("UNAVAILABLE", `sandbox image ${image} not found`, {
    userMessage: `The sandbox image ${image} is missing. Build it with \`npm run sandbox:build\`.`,
  });
}

/** Throws AppError UNAVAILABLE when the engine or the sandbox image is missing, saying how to fix it. */
export async function checkDockerAvailable(): Promise<void> {
  const docker = getDocker();
  try {
    await docker.ping();
  } catch (error) {
    throw engineUnavailable(error);
  }
  const image = env().SANDBOX_IMAGE;
  try {
    await docker.getImage(image).inspect();
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) throw imageMissing(image);
    throw engineUnavailable(error);
  }
}

/** Container names allow [a-zA-Z0-9_.-]; run ids are cuids, anything else is hex-encoded. */
export function runNameToken(runId: string): string {
  return /^[a-zA-Z0-9_-]{1,64}$/.test(runId) ? runId : Buffer.from(runId).toString("hex").slice(0, 64);
}
