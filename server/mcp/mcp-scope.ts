import { RUN_NOT_FOUND_MESSAGE } from "@/server/access/run-access";
import { PROJECT_NOT_FOUND_MESSAGE } from "@/server/access/project-access";
import type { Db } from "@/server/db/client";
import { AppError } from "@/server/errors";

/**
 * Who an MCP session acts as: a user (personal API token), or a user inside one project (a client URL,
 * /c/<token>/mcp, which may start tasks in that project and read its runs, nothing else). The access rules
 * themselves stay in the services; this only narrows a client URL's session to its project, answering
 * outside it exactly as for a project or run that does not exist.
 */
export interface McpScope {
  userId: string;
  projectId: string | null;
}

export function requireProjectInScope(scope: McpScope, projectId: string | undefined): void {
  if (scope.projectId !== null && projectId !== undefined && projectId !== scope.projectId) throw new AppError("NOT_FOUND", PROJECT_NOT_FOUND_MESSAGE);
}

export async function requireRunInScope(options: { db: Db; scope: McpScope; runId: string }): Promise<void> {
  if (options.scope.projectId === null) return;
  const run = await options.db.run.findUnique({ where: { id: options.runId }, select: { projectId: true } });
  if (run?.projectId !== options.scope.projectId) throw new AppError("NOT_FOUND", RUN_NOT_FOUND_MESSAGE);
}
