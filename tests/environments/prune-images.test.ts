import { afterAll, describe, expect, it } from "vitest";
import { env } from "@/server/env";
import { pruneEnvironmentImages } from "@/server/environments/prune-environment-images";
import { getDocker } from "@/server/sandbox/docker-client";
import { requireDocker } from "@/server/sandbox/docker-test-guard";
import { callerFor, createTestUser, testDb } from "../helpers/db";

const dockerReady = await requireDocker("environment image retention");
// Our own tags only: the engine is shared, and a sweep over every environment image would take other tests' ones.
const prefix = `autocodeai-env:prune-${process.pid}-${Date.now().toString(36)}`;

describe.skipIf(!dockerReady)("old environment images are removed, those in use are kept", () => {
  const containers: string[] = [];
  const tags: string[] = [];

  afterAll(async () => {
    const docker = getDocker();
    for (const id of containers) await docker.getContainer(id).remove({ force: true }).catch(() => undefined);
    for (const tag of tags) await docker.getImage(tag).remove({ force: true }).catch(() => undefined);
  });

  it("keeps a project's current image, an image a container uses and anything younger than the retention; removes the rest", async () => {
    const docker = getDocker();
    // Three distinct images (each commit is a new image id), as three builds would leave them.
    const source = await docker.createContainer({ Image: env().SANDBOX_IMAGE, Cmd: ["true"] });
    containers.push(source.id);
    for (const name of ["unused", "project", "container"]) {
      const [repo, tag] = `${prefix}-${name}`.split(":") as [string, string];
      await source.commit({ repo, tag, changes: [`LABEL ai.autocode.test-${name}=1`] } as never);
      tags.push(`${prefix}-${name}`);
    }
    const owner = await createTestUser("prune-images");
    const projectId = (await callerFor(owner.id).project.create({ name: "prune-images" })).id;
    await testDb().projectEnvironment.upsert({ where: { projectId }, create: { projectId, state: "READY", imageTag: `${prefix}-project` }, update: { imageTag: `${prefix}-project` } });
    const user = await docker.createContainer({ Image: `${prefix}-container`, Cmd: ["true"] });
    containers.push(user.id);

    const reference = `${prefix}-*`;
    // Fresh images are within the retention: nothing goes.
    expect(await pruneEnvironmentImages({ db: testDb(), retentionHours: 1, reference })).toEqual([]);
    // Two hours later: only the image no project names and no container uses.
    const removed = await pruneEnvironmentImages({ db: testDb(), retentionHours: 1, reference, now: Date.now() + 2 * 3_600_000 });
    expect(removed).toEqual([`${prefix}-unused`]);
    const left = (await docker.listImages({ filters: { reference: [reference] } })).flatMap((image) => image.RepoTags ?? []).sort();
    expect(left).toEqual([`${prefix}-container`, `${prefix}-project`]);
  });
});
