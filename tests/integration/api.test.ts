import { beforeAll, describe, expect, it } from "vitest";
import { callerFor, createTestUser, testDb } from "../helpers/db";
import { codeOf, messageOf } from "../helpers/trpc-errors";

describe("projects through tRPC", () => {
  let alice: Awaited<ReturnType<typeof createTestUser>>;
  let bob: Awaited<ReturnType<typeof createTestUser>>;
  let aliceProjectId: string;

  beforeAll(async () => {
    alice = await createTestUser("alice");
    bob = await createTestUser("bob");
    const project = await callerFor(alice.id).project.create({ name: "payments", description: "Alice's service" });
    aliceProjectId = project.id;
  });

  it("creates a project with a real git working copy and lists it for its owner", async () => {
    const list = await callerFor(alice.id).project.list();
    expect(list.map((p) => p.name)).toContain("payments");
    const row = await testDb().project.findUniqueOrThrow({ where: { id: aliceProjectId } });
    expect(row.repoPath).toMatch(/repo$/);
    const { access } = await import("node:fs/promises");
    await expect(access(`${row.repoPath}/.git`)).resolves.toBeUndefined();
    expect(await callerFor(alice.id).project.byId({ projectId: aliceProjectId })).toMatchObject({ name: "payments", role: "owner" });
  });

  it("never shows one user's project to another", async () => {
    const list = await callerFor(bob.id).project.list();
    expect(list.map((p) => p.id)).not.toContain(aliceProjectId);
  });

  // The cross-user matrix: every procedure that takes an id answers NOT_FOUND to someone else.
  const byIdProcedures: Array<[string, (userId: string, id: string) => Promise<unknown>]> = [
    ["project.byId", (userId, id) => callerFor(userId).project.byId({ projectId: id })],
    ["project.delete", (userId, id) => callerFor(userId).project.delete({ projectId: id })],
  ];
  it.each(byIdProcedures)("%s answers NOT_FOUND for another user's project", async (_, call) => {
    expect(await codeOf(call(bob.id, aliceProjectId))).toBe("NOT_FOUND");
    expect(await testDb().project.count({ where: { id: aliceProjectId } })).toBe(1);
  });

  it.each(byIdProcedures)("%s answers NOT_FOUND for an unknown id", async (_, call) => {
    expect(await codeOf(call(alice.id, "does-not-exist"))).toBe("NOT_FOUND");
  });

  it("revoking another user's API token answers NOT_FOUND and leaves it working", async () => {
    const token = await callerFor(alice.id).token.create({ name: "alice script" });
    expect(await codeOf(callerFor(bob.id).token.revoke({ tokenId: token.id }))).toBe("NOT_FOUND");
    const row = await testDb().apiToken.findUniqueOrThrow({ where: { id: token.id } });
    expect(row.revokedAt).toBeNull();
  });

  it("refuses every procedure without a signed-in user", async () => {
    const anonymous = callerFor(null);
    expect(await codeOf(anonymous.project.list())).toBe("UNAUTHORIZED");
    expect(await codeOf(anonymous.project.byId({ projectId: aliceProjectId }))).toBe("UNAUTHORIZED");
    expect(await codeOf(anonymous.project.create({ name: "x" }))).toBe("UNAUTHORIZED");
    expect(await codeOf(anonymous.token.list())).toBe("UNAUTHORIZED");
  });

  it("lets an API token read projects but not manage tokens", async () => {
    const viaToken = callerFor(alice.id, "api-token");
    expect((await viaToken.project.list()).length).toBeGreaterThan(0);
    expect(await codeOf(viaToken.token.create({ name: "more" }))).toBe("FORBIDDEN");
    expect(await codeOf(viaToken.token.list())).toBe("FORBIDDEN");
  });

  it("refuses a duplicate name with a clear message and writes nothing", async () => {
    const before = await testDb().project.count({ where: { ownerId: alice.id } });
    const message = await messageOf(callerFor(alice.id).project.create({ name: "payments" }));
    expect(message).toMatch(/already have a project named "payments"/);
    expect(await testDb().project.count({ where: { ownerId: alice.id } })).toBe(before);
  });

  it("refuses an oversized or empty name with the limit named and writes nothing", async () => {
    const before = await testDb().project.count();
    expect(await codeOf(callerFor(alice.id).project.create({ name: "x".repeat(81) }))).toBe("BAD_REQUEST");
    expect(await messageOf(callerFor(alice.id).project.create({ name: "x".repeat(81) }))).toMatch(/at most 80 characters/);
    expect(await codeOf(callerFor(alice.id).project.create({ name: "   " }))).toBe("BAD_REQUEST");
    expect(await testDb().project.count()).toBe(before);
  });

  it("refuses importing a server path unless LOCAL_IMPORT_ROOTS allows it, writing nothing", async () => {
    const before = await testDb().project.count();
    const message = await messageOf(callerFor(alice.id).project.create({ name: "etc", source: { kind: "local", path: "/etc" } }));
    expect(message).toMatch(/LOCAL_IMPORT_ROOTS/);
    expect(await testDb().project.count()).toBe(before);
  });

  it("leaves nothing behind when a git URL cannot be cloned", async () => {
    const before = await testDb().project.count();
    const result = await codeOf(callerFor(alice.id).project.create({ name: "unreachable", source: { kind: "url", url: "http://127.0.0.1:9/nothing.git" } }));
    expect(result).not.toBe("OK");
    expect(await testDb().project.count()).toBe(before);
  });

  it("deletes a project for its owner, with its files", async () => {
    const project = await callerFor(alice.id).project.create({ name: "to delete" });
    const row = await testDb().project.findUniqueOrThrow({ where: { id: project.id } });
    await callerFor(alice.id).project.delete({ projectId: project.id });
    expect(await testDb().project.count({ where: { id: project.id } })).toBe(0);
    const { access } = await import("node:fs/promises");
    await expect(access(row.repoPath)).rejects.toThrow();
  });
});
