import type { TProjectDto } from "./project-schemas";

interface ProjectRow {
  id: string;
  name: string;
  description: string;
  source: "EMPTY" | "LOCAL" | "GIT_URL";
  sourceRef: string | null;
  defaultBranch: string;
  requirePlanApproval: boolean;
  ownerId: string;
  createdAt: Date;
  updatedAt: Date;
  members?: Array<{ userId: string; role: "VIEWER" | "EDITOR" }>;
}

/** What a person may see of a project: never its server-side path. */
export function toProjectDto(project: ProjectRow, userId: string): TProjectDto {
  const member = project.members?.find((m) => m.userId === userId);
  const role = project.ownerId === userId ? "owner" : member?.role === "EDITOR" ? "editor" : "viewer";
  return {
    id: project.id,
    name: project.name,
    description: project.description,
    source: project.source,
    sourceRef: project.sourceRef,
    defaultBranch: project.defaultBranch,
    role,
    requirePlanApproval: project.requirePlanApproval,
    createdAt: project.createdAt,
    updatedAt: project.updatedAt,
  };
}
