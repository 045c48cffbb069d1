import { requireProject } from "@/server/access/project-access";
import type { Db } from "@/server/db/client";
import { AppError } from "@/server/errors";
import { toProjectDto } from "./project-dto";
import { ZUpdateProjectSettings, type TUpdateProjectSettings } from "./project-schemas";

/** Changes a project's settings (owners and editors); returns the project as its DTO. */
export async function updateProjectSettings(options: { db: Db; userId: string; input: TUpdateProjectSettings }) {
  const parsed = ZUpdateProjectSettings.safeParse(options.input);
  if (!parsed.success) throw new AppError("BAD_REQUEST", parsed.error.issues[0]?.message ?? "Check the settings.");
  const { projectId, ...settings } = parsed.data;
  await requireProject({ db: options.db, userId: options.userId, projectId, need: "write" });
  const project = await options.db.project.update({ where: { id: projectId }, data: settings, include: { members: { select: { userId: true, role: true } } } });
  return toProjectDto(project, options.userId);
}
