import { z } from "zod";
import type { Prisma } from "@/generated/prisma/client";
import { requireProject, visibleProjects } from "@/server/access/project-access";
import type { Db } from "@/server/db/client";
import { toRunSummaryDto } from "./run-dto";
import { RUN_STATUSES } from "./run-schemas";

export const ZListRuns = z.object({
  projectId: z.string().min(1).max(64).optional(),
  status: z.enum(RUN_STATUSES).optional(),
  search: z.string().trim().max(200).optional(),
  limit: z.number().int().min(1).max(100).default(25),
  /** The id of the last run of the previous page (keyset pagination: fast at any depth). */
  cursor: z.string().max(64).nullish(),
});
export type TListRuns = z.input<typeof ZListRuns>;

/** A project's task history, or recent runs across the user's projects, newest first. */
export async function listRuns(options: { db: Db; userId: string; input: TListRuns }) {
  const input = ZListRuns.parse(options.input);
  if (input.projectId) await requireProject({ db: options.db, userId: options.userId, projectId: input.projectId, need: "read" });
  const where: Prisma.RunWhereInput = {
    ...(input.projectId ? { projectId: input.projectId } : { project: visibleProjects(options.userId) }),
    ...(input.status ? { status: input.status } : {}),
    ...(input.search ? { task: { prompt: { contains: input.search, mode: "insensitive" } } } : {}),
  };
  const rows = await options.db.run.findMany({
    where,
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: input.limit + 1,
    ...(input.cursor ? { cursor: { id: input.cursor }, skip: 1 } : {}),
    include: { task: { select: { prompt: true } }, steps: { select: { attempts: true } } },
  });
  const page = rows.slice(0, input.limit);
  return { runs: page.map(toRunSummaryDto), nextCursor: rows.length > input.limit ? (page.at(-1)?.id ?? null) : null };
}
