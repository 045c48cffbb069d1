import { visibleProjects } from "@/server/access/project-access";
import type { Db } from "@/server/db/client";
import { toProjectDto } from "./project-dto";

export async function listProjects(options: { db: Db; userId: string }) {
  const projects = await options.db.project.findMany({
    where: visibleProjects(options.userId),
    orderBy: { updatedAt: "desc" },
    include: { members: { select: { userId: true, role: true } } },
    take: 500,
  });
  return projects.map((project) => toProjectDto(project, options.userId));
}
