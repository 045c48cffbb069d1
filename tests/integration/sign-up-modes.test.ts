import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createInvitation, revokeInvitation } from "@/server/auth/invitations";
import { signUp } from "@/server/auth/credentials";
import type { Db } from "@/server/db/client";
import { resetEnvForTests } from "@/server/env";
import { AppError } from "@/server/errors";
import { createMigratedDatabase, type MigratedDatabase } from "../helpers/throwaway-database";

/** A fresh install: its own empty database, so "the first account" means what it says. */
let database: MigratedDatabase | undefined;
let fresh: Db;

function mode(value: "open" | "invite-only" | "closed") {
  process.env.SIGNUP = value;
  resetEnvForTests();
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return "OK";
  } catch (error) {
    if (error instanceof AppError) return error.code;
    throw error;
  }
}

const account = (email: string) => ({ email, password: "correct-horse-42", name: email.split("@")[0] });

beforeAll(async () => {
  database = await createMigratedDatabase(process.env.DATABASE_URL!, "signup_modes");
  fresh = database.db;
});

afterAll(async () => {
  await database?.dispose();
  process.env.SIGNUP = "open";
  resetEnvForTests();
});

describe("SIGNUP: open, invite-only, closed", () => {
  it("the first account of a fresh install is its admin, even invite-only; two at once make exactly one admin", async () => {
    mode("invite-only");
    const results = await Promise.all([codeOf(signUp({ db: fresh, input: account("first@example.test") })), codeOf(signUp({ db: fresh, input: account("rival@example.test") }))]);
    expect(results.sort()).toEqual(["FORBIDDEN", "OK"]);
    const users = await fresh.user.findMany({ select: { email: true, isAdmin: true } });
    expect(users).toHaveLength(1);
    expect(users[0]!.isAdmin).toBe(true);
  });

  it("invite-only refuses a stranger, admits an invitation's link for its email once, into its project", async () => {
    mode("invite-only");
    const admin = await fresh.user.findFirstOrThrow({ where: { isAdmin: true } });
    expect(await codeOf(signUp({ db: fresh, input: account("stranger@example.test") }))).toBe("FORBIDDEN");

    // An admin invites a project owner; the owner (not an admin) invites into their project.
    const ownerInvite = await createInvitation({ db: fresh, userId: admin.id, input: { email: "owner@example.test" } });
    const owner = await signUp({ db: fresh, input: account("owner@example.test"), invitationToken: ownerInvite.token });
    expect(await fresh.user.findUniqueOrThrow({ where: { id: owner.id } })).toMatchObject({ isAdmin: false });
    expect(await codeOf(signUp({ db: fresh, input: account("owner2@example.test"), invitationToken: ownerInvite.token }))).toBe("FORBIDDEN");

    const project = await fresh.project.create({ data: { ownerId: owner.id, name: "team", repoPath: "/nonexistent" } });
    expect(await codeOf(createInvitation({ db: fresh, userId: owner.id, input: { email: "someone@example.test" } }))).toBe("FORBIDDEN");
    expect(await codeOf(createInvitation({ db: fresh, userId: owner.id, input: { email: "admin-taken@example.test", projectId: "not-mine" } }))).toBe("NOT_FOUND");
    expect(await codeOf(createInvitation({ db: fresh, userId: owner.id, input: { email: admin.email!, projectId: project.id } }))).toBe("CONFLICT");
    const invite = await createInvitation({ db: fresh, userId: owner.id, input: { email: "viewer@example.test", projectId: project.id, role: "VIEWER" } });
    expect(invite.token).toMatch(/^acin_/);
    expect(await codeOf(signUp({ db: fresh, input: account("thief@example.test"), invitationToken: invite.token }))).toBe("FORBIDDEN");
    const viewer = await signUp({ db: fresh, input: account("viewer@example.test"), invitationToken: invite.token });
    expect(await fresh.projectMember.findUniqueOrThrow({ where: { projectId_userId: { projectId: project.id, userId: viewer.id } } })).toMatchObject({ role: "VIEWER" });

    const revoked = await createInvitation({ db: fresh, userId: owner.id, input: { email: "late@example.test", projectId: project.id } });
    await revokeInvitation({ db: fresh, userId: owner.id, invitationId: revoked.id });
    expect(await codeOf(signUp({ db: fresh, input: account("late@example.test"), invitationToken: revoked.token }))).toBe("FORBIDDEN");
    expect(await fresh.user.count({ where: { email: { in: ["stranger@example.test", "thief@example.test", "late@example.test", "owner2@example.test"] } } })).toBe(0);
  });

  it("closed refuses everyone, even with an invitation; open admits anyone", async () => {
    const admin = await fresh.user.findFirstOrThrow({ where: { isAdmin: true } });
    const invite = await createInvitation({ db: fresh, userId: admin.id, input: { email: "closed@example.test" } });
    mode("closed");
    const error = await signUp({ db: fresh, input: account("closed@example.test"), invitationToken: invite.token }).catch((e: unknown) => e);
    expect(AppError.is(error, "FORBIDDEN")).toBe(true);
    expect((error as AppError).userMessage).toMatch(/Sign-up is closed on this server/);
    mode("open");
    expect(await codeOf(signUp({ db: fresh, input: account("anyone@example.test") }))).toBe("OK");
  });
});
