import { describe, expect, it } from "vitest";
import { authenticateApiToken, createApiToken, revokeApiToken } from "@/server/auth/api-tokens";
import { signUp, verifyCredentials } from "@/server/auth/credentials";
import { AppError } from "@/server/errors";
import { createTestUser, testDb } from "../helpers/db";

async function appErrorOf(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error("expected an AppError");
}

describe("email and password accounts", () => {
  it("stores an argon2id hash, never the password", async () => {
    const user = await createTestUser("hash");
    const row = await testDb().user.findUniqueOrThrow({ where: { id: user.id } });
    expect(row.passwordHash).toMatch(/^\$argon2id\$/);
    expect(row.passwordHash).not.toContain(user.password);
  });

  it("refuses an email already taken, case-insensitively, writing nothing", async () => {
    const user = await createTestUser("taken");
    const before = await testDb().user.count();
    const error = await appErrorOf(signUp({ db: testDb(), input: { email: user.email.toUpperCase(), password: "another-pass-99" } }));
    expect(error.code).toBe("CONFLICT");
    expect(error.userMessage).toMatch(/already exists/);
    expect(await testDb().user.count()).toBe(before);
  });

  it.each([
    ["short1", /at least 10 characters/],
    ["onlyletterslong", /Mix letters/],
    ["password123", /too common/],
  ])("refuses the weak password %s with a reason", async (password, reason) => {
    const error = await appErrorOf(signUp({ db: testDb(), input: { email: `weak-${Date.now()}@example.test`, password } }));
    expect(error.code).toBe("BAD_REQUEST");
    expect(error.userMessage).toMatch(reason);
  });

  it("refuses a malformed or oversized email", async () => {
    expect((await appErrorOf(signUp({ db: testDb(), input: { email: "not-an-email", password: "good-pass-123" } }))).code).toBe("BAD_REQUEST");
    expect((await appErrorOf(signUp({ db: testDb(), input: { email: `${"a".repeat(250)}@x.io`, password: "good-pass-123" } }))).userMessage).toMatch(/too long/);
  });

  it("signs in with the right password only, with one message for every failure", async () => {
    const user = await createTestUser("signin");
    expect((await verifyCredentials({ db: testDb(), email: user.email, password: user.password })).id).toBe(user.id);
    const wrong = await appErrorOf(verifyCredentials({ db: testDb(), email: user.email, password: "wrong-password-1" }));
    const unknown = await appErrorOf(verifyCredentials({ db: testDb(), email: "nobody@example.test", password: "whatever-123" }));
    expect(wrong.code).toBe("UNAUTHORIZED");
    expect(unknown.userMessage).toBe(wrong.userMessage);
  });
});

describe("API tokens", () => {
  it("authenticates until revoked and stores only a hash", async () => {
    const user = await createTestUser("token");
    const created = await createApiToken({ db: testDb(), userId: user.id, name: "ci" });
    expect(created.token).toMatch(/^acai_/);
    const row = await testDb().apiToken.findUniqueOrThrow({ where: { id: created.id } });
    expect(row.tokenHash).not.toContain(created.token);
    expect(await authenticateApiToken({ db: testDb(), token: created.token })).toBe(user.id);
    await revokeApiToken({ db: testDb(), userId: user.id, tokenId: created.id });
    expect(await authenticateApiToken({ db: testDb(), token: created.token })).toBeNull();
    expect(await authenticateApiToken({ db: testDb(), token: "acai_forged" })).toBeNull();
  });
});
