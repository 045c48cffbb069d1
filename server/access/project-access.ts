import type { Prisma } from "@/generated/prisma/client";
import type { Db } from "@/server/db/client";
import { AppError } from "@/server/errors";

export type Access = "read" | "write" | "admin";

interface ProjectAccessFacts {
  ownerId: string;
  members: Array<{ userId: string; role: "VIEWER" | "EDITOR" }>;
}

/** The access rule in one place: owners may do anything, editors read and write, viewers read. */
export function canAccessProject(project: ProjectAccessFacts, userId: string, need: Access): boolean {
  if (project.ownerId === userId) return true;
  const member = project.members.find((m) => m.userId === userId);
  if (!member) return false;
  if (need === "read") return true;
  if (need === "write") return member.role === "EDITOR";
  return false;
}

/** The Prisma filter for projects a user may see; every project query goes through it. */
export function visibleProjects(userId: string): Prisma.ProjectWhereInput {
  return { OR: [{ ownerId: userId }, { members: { some: { userId } } }] };
}

export const PROJECT_NOT_FOUND_MESSAGE = "Project not found. It may have been deleted, or you do not have access to it.";

/**
 * Loads a project the user may access. A project the user cannot see answers NOT_FOUND, exactly as one that
 * does not exist, so ids of other people's projects reveal nothing.
 */
export async function requireProject(options: { db: Db; userId: string; projectId: string; need: Access }) {
  const project = await options.db.project.findUnique({
    where: { id: options.projectId },
    include: { members: { select: { userId: true, role: true } } },
  });
  if (!project || !canAccessProject(project, options.userId, "read")) {
    throw new AppError("NOT_FOUND", PROJECT_NOT_FOUND_MESSAGE);
  }
  if (!canAccessProject(project, options.userId, options.need)) {
    throw new AppError("FORBIDDEN", "You can view this project but not change it. Ask its owner for editor access.");
  }
  return project;
}
