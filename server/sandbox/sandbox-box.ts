import type Docker from "dockerode";
import { buildContainerSpec } from "./container-spec";
import { checkDockerAvailable, getDocker } from "./docker-client";
import { RunnerConnection } from "./runner-connection";

/** A started container with its resident runner attached. */
export interface Box {
  container: Docker.Container;
  connection: RunnerConnection;
}

export async function startBox(options: { role: "pool" | "run"; runId?: string; name?: string; image?: string }): Promise<Box> {
  const docker = getDocker();
  let container: Docker.Container;
  try {
    container = await docker.createContainer(buildContainerSpec(options));
  } catch (error) {
    // Turn "no such image" / "connect ENOENT" into the how-to-fix message.
    await checkDockerAvailable();
    throw error;
  }
  try {
    const connection = await RunnerConnection.start(container);
    return { container, connection };
  } catch (error) {
    await removeContainer(container);
    throw error;
  }
}

/** Kill and remove in one call; a container that is already gone is fine. */
export async function removeContainer(container: Docker.Container): Promise<void> {
  try {
    await container.remove({ force: true, v: true });
  } catch (error) {
    const status = (error as { statusCode?: number }).statusCode;
    if (status !== 404 && status !== 409) throw error;
  }
}

export async function destroyBox(box: Box, reason = "closed"): Promise<void> {
  box.connection.fail(reason);
  await removeContainer(box.container);
}
