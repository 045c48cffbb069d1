import { randomUUID } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Prisma } from "@/generated/prisma/client";
import type { Db } from "@/server/db/client";
import { env } from "@/server/env";
import { AppError } from "@/server/errors";
import { initRepository } from "@/server/git/init-repository";
import { projectHooks } from "./project-hooks";
import { toProjectDto } from "./project-dto";
import { ZCreateProject, type TCreateProject } from "./project-schemas";

export function projectDir(projectId: string): string {
  return path.join(env().DATA_DIR, "projects", projectId);
}

/** Import by local path only from configured roots, and never from our own data (other people's projects). */
async function checkLocalSource(sourcePath: string): Promise<string> {
  const { LOCAL_IMPORT_ROOTS, DATA_DIR } = env();
  if (LOCAL_IMPORT_ROOTS.length === 0) {
    throw new AppError("FORBIDDEN", "Importing from a server path is turned off. Set LOCAL_IMPORT_ROOTS to the directories that may be imported, or import from a git URL.");
  }
  let real: string;
  try {
    real = await fs.realpath(path.resolve(sourcePath));
  } catch {
    throw new AppError("BAD_REQUEST", `The directory ${sourcePath} does not exist on the server.`);
  }
  const inside = (root: string) => real === root || real.startsWith(root + path.sep);
  if (inside(DATA_DIR) || !LOCAL_IMPORT_ROOTS.some(inside)) {
    throw new AppError("FORBIDDEN", `The directory ${sourcePath} is outside LOCAL_IMPORT_ROOTS, so it cannot be imported.`);
  }
  return real;
}

function fileUrlPath(url: string): string {
  try {
    return fileURLToPath(url);
  } catch {
    throw new AppError("BAD_REQUEST", `${url} is not a file:// URL of a directory on this server (use file:///path/to/repo).`);
  }
}

export async function createProject(options: { db: Db; userId: string; input: TCreateProject }) {
  const parsed = ZCreateProject.safeParse(options.input);
  if (!parsed.success) throw new AppError("BAD_REQUEST", parsed.error.issues[0]?.message ?? "Check the form.");
  const { name, description } = parsed.data;
  // A file:// URL is a server path by another name: the same LOCAL_IMPORT_ROOTS check applies, never a clone by URL.
  const source = parsed.data.source.kind === "url" && parsed.data.source.url.startsWith("file://") ? { kind: "local" as const, path: fileUrlPath(parsed.data.source.url) } : parsed.data.source;
  const localPath = source.kind === "local" ? await checkLocalSource(source.path) : undefined;

  const duplicate = await options.db.project.findFirst({ where: { ownerId: options.userId, name }, select: { id: true } });
  if (duplicate) throw new AppError("CONFLICT", `You already have a project named "${name}". Choose another name.`);

  // The working copy is made first and the row written last, with its final path: a project that is still
  // importing (a clone can take minutes) is invisible, so nothing can act on a repository that is not there.
  const id = randomUUID();
  const repoPath = path.join(projectDir(id), "repo");
  try {
    await fs.mkdir(projectDir(id), { recursive: true });
    const repo = await initRepository({
      path: repoPath,
      source: source.kind === "local" ? { kind: "local", path: localPath! } : source,
    });
    const project = await options.db.project.create({
      data: {
        id,
        ownerId: options.userId,
        name,
        description,
        source: source.kind === "empty" ? "EMPTY" : source.kind === "local" ? "LOCAL" : "GIT_URL",
        sourceRef: source.kind === "local" ? localPath : source.kind === "url" ? source.url : null,
        repoPath,
        defaultBranch: repo.branch,
      },
    });
    // Indexing runs in the background; the project page shows its progress.
    projectHooks().created({ id: project.id, repoPath });
    return toProjectDto(project, options.userId);
  } catch (error) {
    // Nothing half-made survives a failed import or a lost race for the name: neither files nor a row.
    await fs.rm(projectDir(id), { recursive: true, force: true });
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") {
      throw new AppError("CONFLICT", `You already have a project named "${name}". Choose another name.`);
    }
    throw error;
  }
}
