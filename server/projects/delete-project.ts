import fs from "node:fs/promises";
import path from "node:path";
import { requireProject } from "@/server/access/project-access";
import type { Db } from "@/server/db/client";
import { projectHooks } from "./project-hooks";

export async function deleteProject(options: { db: Db; userId: string; projectId: string }): Promise<void> {
  const project = await requireProject({ ...options, need: "admin" });
  await options.db.$transaction(async (tx) => {
    // The project's runs are locked before the project row: a run's event writer locks its run, then touches the
    // project (the usage it records references it), so the delete taking the project first deadlocked with it.
    await tx.$queryRaw`SELECT id FROM "Run" WHERE "projectId" = ${project.id} ORDER BY id FOR UPDATE`;
    await tx.project.delete({ where: { id: project.id } });
  });
  await projectHooks().deleted(project.id).catch(() => undefined);
  // The row is gone first: a failure to remove files leaves orphaned files, never a project without files.
  await fs.rm(path.dirname(project.repoPath), { recursive: true, force: true });
}
