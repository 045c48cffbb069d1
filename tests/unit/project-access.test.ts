import { describe, expect, it } from "vitest";
import { canAccessProject, type Access } from "@/server/access/project-access";

const project = {
  ownerId: "owner",
  members: [
    { userId: "editor", role: "EDITOR" as const },
    { userId: "viewer", role: "VIEWER" as const },
  ],
};

describe("canAccessProject", () => {
  const cases: Array<[string, Access, boolean]> = [
    ["owner", "read", true],
    ["owner", "write", true],
    ["owner", "admin", true],
    ["editor", "read", true],
    ["editor", "write", true],
    ["editor", "admin", false],
    ["viewer", "read", true],
    ["viewer", "write", false],
    ["viewer", "admin", false],
    ["stranger", "read", false],
    ["stranger", "write", false],
    ["stranger", "admin", false],
  ];
  it.each(cases)("%s may %s: %s", (userId, need, expected) => {
    expect(canAccessProject(project, userId, need)).toBe(expected);
  });
});
