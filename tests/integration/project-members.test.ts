import { beforeAll, describe, expect, it } from "vitest";
import { callerFor, createTestUser, testDb } from "../helpers/db";
import { codeOf, messageOf } from "../helpers/trpc-errors";

describe("project members", () => {
  let owner: Awaited<ReturnType<typeof createTestUser>>;
  let editor: Awaited<ReturnType<typeof createTestUser>>;
  let viewer: Awaited<ReturnType<typeof createTestUser>>;
  let stranger: Awaited<ReturnType<typeof createTestUser>>;
  let projectId: string;

  beforeAll(async () => {
    owner = await createTestUser("m-owner");
    editor = await createTestUser("m-editor");
    viewer = await createTestUser("m-viewer");
    stranger = await createTestUser("m-stranger");
    projectId = (await callerFor(owner.id).project.create({ name: "shared service" })).id;
  });

  it("the owner adds an editor and a viewer by email; each sees the project with the right role", async () => {
    await callerFor(owner.id).project.addMember({ projectId, email: editor.email.toUpperCase(), role: "EDITOR" });
    const members = await callerFor(owner.id).project.addMember({ projectId, email: viewer.email, role: "VIEWER" });
    expect(members.map((m) => [m.userId, m.role])).toEqual([
      [owner.id, "OWNER"],
      [editor.id, "EDITOR"],
      [viewer.id, "VIEWER"],
    ]);
    expect((await callerFor(editor.id).project.list()).map((p) => [p.id, p.role])).toContainEqual([projectId, "editor"]);
    expect((await callerFor(viewer.id).project.byId({ projectId })).role).toBe("viewer");
    expect((await callerFor(viewer.id).project.members({ projectId })).length).toBe(3);
  });

  it("an editor may start tasks; a viewer may not, and says why", async () => {
    const { runId } = await callerFor(editor.id).task.create({ projectId, prompt: "Write add(a, b) in calc.py" });
    // No worker runs here; cancel it so another suite's runner, sweeping this database, never picks it up.
    expect(await callerFor(editor.id).run.cancel({ runId })).toEqual({ status: "CANCELLED" });
    expect(await codeOf(callerFor(viewer.id).task.create({ projectId, prompt: "Write add(a, b) in calc.py" }))).toBe("FORBIDDEN");
    expect(await messageOf(callerFor(viewer.id).task.create({ projectId, prompt: "x" }))).toMatch(/editor access/);
  });

  it("only the owner adds or removes others; strangers get NOT_FOUND; unknown emails are named", async () => {
    expect(await codeOf(callerFor(editor.id).project.addMember({ projectId, email: stranger.email }))).toBe("FORBIDDEN");
    expect(await codeOf(callerFor(editor.id).project.removeMember({ projectId, userId: viewer.id }))).toBe("FORBIDDEN");
    expect(await codeOf(callerFor(stranger.id).project.members({ projectId }))).toBe("NOT_FOUND");
    expect(await codeOf(callerFor(stranger.id).project.addMember({ projectId, email: stranger.email }))).toBe("NOT_FOUND");
    expect(await codeOf(callerFor(stranger.id).project.removeMember({ projectId, userId: editor.id }))).toBe("NOT_FOUND");
    expect(await messageOf(callerFor(owner.id).project.addMember({ projectId, email: "nobody-here@example.test" }))).toMatch(/No account uses nobody-here@example.test/);
    expect(await codeOf(callerFor(owner.id).project.addMember({ projectId, email: owner.email }))).toBe("BAD_REQUEST");
    expect(await codeOf(callerFor(owner.id).project.addMember({ projectId, email: "not an email" }))).toBe("BAD_REQUEST");
    expect(await testDb().projectMember.count({ where: { projectId } })).toBe(2);
  });

  it("removing a member (or leaving) takes the project away from them", async () => {
    await callerFor(owner.id).project.removeMember({ projectId, userId: editor.id });
    expect(await codeOf(callerFor(editor.id).project.byId({ projectId }))).toBe("NOT_FOUND");
    await callerFor(viewer.id).project.removeMember({ projectId, userId: viewer.id });
    expect((await callerFor(viewer.id).project.list()).map((p) => p.id)).not.toContain(projectId);
    expect(await codeOf(callerFor(owner.id).project.removeMember({ projectId, userId: viewer.id }))).toBe("NOT_FOUND");
  });
});
