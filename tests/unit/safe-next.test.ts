import { describe, expect, it } from "vitest";
import { safeNext } from "@/server/auth/safe-next";

describe("safeNext", () => {
  it.each(["/projects", "/runs/abc?tab=diff#tests", "/settings"])("keeps the same-site path %s", (path) => {
    expect(safeNext(path)).toBe(path);
  });

  it.each(["https://evil.example", "//evil.example", "/\\evil.example", "/\t/evil.example", "/\n/evil.example", "evil", "", null, 42])(
    "refuses %j",
    (value) => {
      expect(safeNext(value)).toBe("/projects");
    },
  );
});
