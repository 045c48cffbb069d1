import { describe, expect, it } from "vitest";
import { RateLimiter } from "@/server/auth/rate-limit";
import { AppError } from "@/server/errors";

describe("RateLimiter", () => {
  it("counts failures only, refuses once the limit is used up, names the wait, and resets after the window", () => {
    const limiter = new RateLimiter(3, 60_000);
    for (let i = 0; i < 10; i++) limiter.check("a@example.test", 1000); // checks alone never count
    for (let i = 0; i < 3; i++) {
      limiter.check("a@example.test", 1000);
      limiter.fail("a@example.test", 1000);
    }
    let error: unknown;
    try {
      limiter.check("a@example.test", 2000);
    } catch (caught) {
      error = caught;
    }
    expect(AppError.is(error, "TOO_MANY_REQUESTS")).toBe(true);
    expect((error as AppError).userMessage).toMatch(/Wait 1 minute/);
    expect(() => limiter.check("b@example.test", 2000)).not.toThrow();
    expect(() => limiter.check("a@example.test", 61_001)).not.toThrow();
  });
});
