import { z } from "zod";
import { requireProject } from "@/server/access/project-access";
import { ZEmail } from "@/server/auth/credentials";
import type { Db } from "@/server/db/client";
import { AppError } from "@/server/errors";

export const ZMemberRole = z.enum(["VIEWER", "EDITOR"]);
export const ZAddMember = z.object({ projectId: z.string().min(1).max(64), email: z.string().max(254, "That email is too long."), role: ZMemberRole.default("EDITOR") });
export const ZRemoveMember = z.object({ projectId: z.string().min(1).max(64), userId: z.string().min(1).max(64) });

export const ZMemberDto = z.object({
  userId: z.string(),
  email: z.string().nullable(),
  name: z.string().nullable(),
  role: z.enum(["OWNER", "VIEWER", "EDITOR"]),
});
export type TMemberDto = z.infer<typeof ZMemberDto>;

/** Everyone with access to the project, owner first; anyone who can see the project can see who else can. */
export async function listMembers(options: { db: Db; userId: string; projectId: string }): Promise<TMemberDto[]> {
  const project = await requireProject({ ...options, need: "read" });
  const people = await options.db.user.findMany({
    where: { id: { in: [project.ownerId, ...project.members.map((m) => m.userId)] } },
    select: { id: true, email: true, name: true },
  });
  const byId = new Map(people.map((p) => [p.id, p]));
  const dto = (userId: string, role: TMemberDto["role"]): TMemberDto => ({ userId, email: byId.get(userId)?.email ?? null, name: byId.get(userId)?.name ?? null, role });
  return [dto(project.ownerId, "OWNER"), ...project.members.map((m) => dto(m.userId, m.role))];
}

/**
 * Gives an existing account access to the project (or changes its role). Only the owner may. Saying that no
 * account uses an email tells the owner whether one exists; an invitation needs an account to attach to.
 */
export async function addMember(options: { db: Db; userId: string; input: z.input<typeof ZAddMember> }): Promise<TMemberDto[]> {
  const parsed = ZAddMember.safeParse(options.input);
  if (!parsed.success) throw new AppError("BAD_REQUEST", parsed.error.issues[0]?.message ?? "Check the form.");
  const { projectId, role } = parsed.data;
  const email = ZEmail.safeParse(parsed.data.email);
  if (!email.success) throw new AppError("BAD_REQUEST", email.error.issues[0]?.message ?? "Enter a valid email address.");
  const project = await requireProject({ db: options.db, userId: options.userId, projectId, need: "admin" });
  const person = await options.db.user.findUnique({ where: { email: email.data }, select: { id: true } });
  if (!person) throw new AppError("NOT_FOUND", `No account uses ${email.data}. Ask them to sign up first, then add them.`);
  if (person.id === project.ownerId) throw new AppError("BAD_REQUEST", "The owner already has every right on the project.");
  await options.db.projectMember.upsert({
    where: { projectId_userId: { projectId, userId: person.id } },
    create: { projectId, userId: person.id, role },
    update: { role },
  });
  return listMembers({ db: options.db, userId: options.userId, projectId });
}

/** The owner removes anyone; a member may remove themselves (leave). Either way their share links are revoked. */
export async function removeMember(options: { db: Db; userId: string; input: z.input<typeof ZRemoveMember> }): Promise<void> {
  const { projectId, userId: memberId } = ZRemoveMember.parse(options.input);
  const project = await requireProject({ db: options.db, userId: options.userId, projectId, need: "read" });
  if (memberId !== options.userId && project.ownerId !== options.userId) {
    throw new AppError("FORBIDDEN", "Only the project's owner can remove other members.");
  }
  const count = await options.db.$transaction(async (tx) => {
    const removed = await tx.projectMember.deleteMany({ where: { projectId, userId: memberId } });
    // Their share links go with them: they could no longer revoke links that would keep working.
    if (removed.count > 0) await tx.shareLink.updateMany({ where: { creatorId: memberId, run: { projectId }, revokedAt: null }, data: { revokedAt: new Date() } });
    return removed.count;
  });
  if (count === 0) throw new AppError("NOT_FOUND", "That person is not a member of this project.");
}
