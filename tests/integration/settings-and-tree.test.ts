import { beforeAll, describe, expect, it } from "vitest";
import { decryptSecret } from "@/server/auth/secrets";
import { callerFor, createTestUser, testDb } from "../helpers/db";
import { codeOf } from "../helpers/trpc-errors";

const SECRET_KEY = "sk-test-very-secret-0123456789";

describe("model settings", () => {
  let user: Awaited<ReturnType<typeof createTestUser>>;
  beforeAll(async () => {
    user = await createTestUser("settings");
  });

  it("starts empty, with the server's defaults for placeholders", async () => {
    const settings = await callerFor(user.id).settings.models();
    expect(settings).toMatchObject({ mode: null, baseUrl: null, models: {}, hasApiKey: false });
    expect(Object.keys(settings.serverDefaults.models).sort()).toEqual(["coder", "critic", "debugger", "planner", "tester"]);
  });

  it("stores the key encrypted in execute-run's format and never returns it", async () => {
    const saved = await callerFor(user.id).settings.updateModels({
      mode: "openai",
      baseUrl: "https://llm.example.test/v1",
      models: { coder: "gpt-coder", critic: "", planner: " big-planner " },
      apiKey: { action: "replace", value: SECRET_KEY },
    });
    expect(saved).toMatchObject({ mode: "openai", baseUrl: "https://llm.example.test/v1", models: { coder: "gpt-coder", planner: "big-planner" }, hasApiKey: true });
    expect(JSON.stringify(saved)).not.toContain(SECRET_KEY);
    expect(JSON.stringify(await callerFor(user.id).settings.models())).not.toContain(SECRET_KEY);

    const row = await testDb().userModelSettings.findUniqueOrThrow({ where: { userId: user.id } });
    expect(row.apiKeyCipher).toMatch(/^v1\./);
    expect(row.apiKeyCipher).not.toContain(SECRET_KEY);
    expect(decryptSecret(row.apiKeyCipher!)).toBe(SECRET_KEY);
    expect(row.models).toEqual({ coder: "gpt-coder", planner: "big-planner" });
  });

  it("keeps the key when asked to, and removes it", async () => {
    const kept = await callerFor(user.id).settings.updateModels({ mode: null, baseUrl: "", models: {}, apiKey: { action: "keep" } });
    expect(kept).toMatchObject({ mode: null, baseUrl: null, hasApiKey: true });
    const removed = await callerFor(user.id).settings.updateModels({ mode: null, baseUrl: "", models: {}, apiKey: { action: "remove" } });
    expect(removed.hasApiKey).toBe(false);
    expect((await testDb().userModelSettings.findUniqueOrThrow({ where: { userId: user.id } })).apiKeyCipher).toBeNull();
  });

  it("refuses bad input, API tokens and anonymous callers", async () => {
    const as = callerFor(user.id);
    expect(await codeOf(as.settings.updateModels({ mode: null, baseUrl: "file:///etc/passwd", models: {}, apiKey: { action: "keep" } }))).toBe("BAD_REQUEST");
    expect(await codeOf(as.settings.updateModels({ mode: null, baseUrl: "", models: {}, apiKey: { action: "replace", value: " " } }))).toBe("BAD_REQUEST");
    expect(await codeOf(callerFor(user.id, "api-token").settings.models())).toBe("FORBIDDEN");
    expect(await codeOf(callerFor(user.id, "api-token").settings.updateModels({ mode: null, baseUrl: "", models: {}, apiKey: { action: "remove" } }))).toBe("FORBIDDEN");
    expect(await codeOf(callerFor(null).settings.models())).toBe("UNAUTHORIZED");
  });

  it("keeps each user's settings to themselves", async () => {
    const other = await createTestUser("settings-other");
    await callerFor(user.id).settings.updateModels({ mode: "deepseek", baseUrl: "", models: {}, apiKey: { action: "replace", value: SECRET_KEY } });
    expect(await callerFor(other.id).settings.models()).toMatchObject({ mode: null, hasApiKey: false });
  });
});

describe("project tree and memory procedures", () => {
  let owner: Awaited<ReturnType<typeof createTestUser>>;
  let stranger: Awaited<ReturnType<typeof createTestUser>>;
  let projectId: string;

  beforeAll(async () => {
    owner = await createTestUser("tree-owner");
    stranger = await createTestUser("tree-stranger");
    projectId = (await callerFor(owner.id).project.create({ name: "tree" })).id;
  });

  it("lists the files of the default branch", async () => {
    const { repoPath } = await testDb().project.findUniqueOrThrow({ where: { id: projectId } });
    const { execFileSync } = await import("node:child_process");
    const fs = await import("node:fs/promises");
    await fs.mkdir(`${repoPath}/pkg`, { recursive: true });
    await fs.writeFile(`${repoPath}/pkg/calc.py`, "def add(a, b):\n    return a + b\n");
    await fs.writeFile(`${repoPath}/README.md`, "# tree\n");
    const git = (...args: string[]) => execFileSync("git", ["-C", repoPath, "-c", "user.name=t", "-c", "user.email=t@example.test", ...args]);
    git("add", "-A");
    git("commit", "-q", "-m", "files");
    const tree = await callerFor(owner.id).project.tree({ projectId });
    expect(tree.map((entry) => entry.path).sort()).toEqual(["README.md", "pkg/calc.py"]);
    expect(tree.find((entry) => entry.path === "README.md")).toMatchObject({ kind: "file", size: 7 });
  });

  it("answers NOT_FOUND to another user for every project procedure that takes an id", async () => {
    const as = callerFor(stranger.id);
    expect(await codeOf(as.project.tree({ projectId }))).toBe("NOT_FOUND");
    expect(await codeOf(as.project.indexStatus({ projectId }))).toBe("NOT_FOUND");
    expect(await codeOf(as.project.memories({ projectId }))).toBe("NOT_FOUND");
    expect(await codeOf(as.project.deleteMemory({ projectId, memoryId: "m1" }))).toBe("NOT_FOUND");
    expect(await codeOf(callerFor(owner.id).project.tree({ projectId: "no-such-project" }))).toBe("NOT_FOUND");
  });

  it("reports the index status of a project nobody indexed as idle", async () => {
    expect(await callerFor(owner.id).project.indexStatus({ projectId })).toMatchObject({ state: "idle", files: 0, chunks: 0 });
  });
});
