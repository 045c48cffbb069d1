import { requireProject } from "@/server/access/project-access";
import type { Db } from "@/server/db/client";
import { toProjectDto } from "./project-dto";

export async function getProject(options: { db: Db; userId: string; projectId: string }) {
  const project = await requireProject({ ...options, need: "read" });
  return toProjectDto(project, options.userId);
}
