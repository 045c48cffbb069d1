import { beforeEach, describe, expect, it } from "vitest";
import { signInDelayMs, signInWithPassword } from "@/server/auth/sign-in";
import { AppError } from "@/server/errors";
import { createTestUser, testDb } from "../helpers/db";

const holder = globalThis as { __autocodeAuthLimiters?: unknown };

async function attempt(email: string, password: string, address: string, waits: number[] = []): Promise<string> {
  try {
    await signInWithPassword({ db: testDb(), email, password, address, wait: async (ms) => void waits.push(ms) });
    return "OK";
  } catch (error) {
    if (error instanceof AppError) return error.code;
    throw error;
  }
}

describe("sign-in limits slow a guesser without locking the owner out", () => {
  beforeEach(() => {
    holder.__autocodeAuthLimiters = undefined;
  });

  it("ten wrong passwords from one address stop that address, not the owner signing in from another", async () => {
    const owner = await createTestUser("lockout-target");
    for (let i = 0; i < 10; i++) expect(await attempt(owner.email, `guess-${i}`, "203.0.113.66")).toBe("UNAUTHORIZED");
    expect(await attempt(owner.email, `guess-more`, "203.0.113.66")).toBe("TOO_MANY_REQUESTS");
    expect(await attempt(owner.email, owner.password, "203.0.113.66")).toBe("TOO_MANY_REQUESTS");
    const waits: number[] = [];
    expect(await attempt(owner.email, owner.password, "198.51.100.7", waits)).toBe("OK");
    expect(waits).toEqual([signInDelayMs(10)]);
    expect(waits[0]).toBeLessThanOrEqual(8_000);
  });

  it("attempts on an account being guessed wait longer and longer, up to a cap", async () => {
    const owner = await createTestUser("delay-target");
    const waits: number[] = [];
    for (let i = 0; i < 12; i++) await attempt(owner.email, `guess-${i}`, `192.0.2.${i}`, waits);
    expect(waits).toEqual([250, 500, 1000, 2000, 4000, 8000, 8000, 8000, 8000]);
  });

  it("fifty failures from one address stop it across accounts", async () => {
    for (let i = 0; i < 50; i++) expect(await attempt(`nobody-${i}@example.test`, "x", "203.0.113.77")).toBe("UNAUTHORIZED");
    expect(await attempt("nobody-51@example.test", "x", "203.0.113.77")).toBe("TOO_MANY_REQUESTS");
    expect(await testDb().user.count({ where: { email: { startsWith: "nobody-" } } })).toBe(0);
  });
});
