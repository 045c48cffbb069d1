import { describe, expect, it } from "vitest";
import { AppError, toPublicError } from "@/server/errors";
import { GitCommandError } from "@/server/git/run-git";

describe("AppError across two copies of the module (the custom server's and Next's bundle)", () => {
  it("is recognised with its code, so a NOT_FOUND from the other copy stays a NOT_FOUND", async () => {
    // A second instance of the module, as the other loader would hold it.
    const specifier = "../../server/errors.ts?copy=other";
    const other = (await import(/* @vite-ignore */ specifier)) as typeof import("@/server/errors");
    expect(other.AppError).not.toBe(AppError);
    const foreign = new other.AppError("NOT_FOUND", "Memory m1 not found", { userMessage: "That memory does not exist in this project." });
    expect(foreign instanceof AppError).toBe(true);
    expect(AppError.is(foreign, "NOT_FOUND")).toBe(true);
    expect(toPublicError(foreign, "test")).toEqual({ code: "NOT_FOUND", message: "That memory does not exist in this project.", status: 404 });
  });

  it("keeps subclasses and plain errors apart", () => {
    const plain = new AppError("INTERNAL", "x");
    expect(plain instanceof GitCommandError).toBe(false);
    expect(new GitCommandError("git failed", [], 1, "", false) instanceof AppError).toBe(true);
    expect(new Error("x") instanceof AppError).toBe(false);
    expect(AppError.is({ code: "NOT_FOUND" })).toBe(false);
  });
});
