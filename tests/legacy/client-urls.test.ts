import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { POST as postRun, OPTIONS as optionsRun } from "@/app/api/agent/run/route";
import { GET as clientHome } from "@/app/c/[token]/route";
import { GET as clientHealth } from "@/app/c/[token]/health/route";
import { POST as clientRun, OPTIONS as clientRunOptions } from "@/app/c/[token]/api/agent/run/route";
import { POST as clientParallel } from "@/app/c/[token]/api/agent/run_parallel/route";
import { POST as clientStream } from "@/app/c/[token]/api/agent/stream/route";
import { createApiToken } from "@/server/auth/api-tokens";
import { resetEnvForTests } from "@/server/env";
import { codeOf } from "../helpers/trpc-errors";
import { callerFor, createTestUser, testDb } from "../helpers/db";

type User = Awaited<ReturnType<typeof createTestUser>>;

const params = (token: string) => ({ params: Promise.resolve({ token }) });

function post(path: string, body: unknown, headers: Record<string, string> = {}): Request {
  return new Request(`http://localhost${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
}

describe("client URLs: a per-project address for the original clients", () => {
  let owner: User;
  let viewer: User;
  let stranger: User;
  let projectId: string;
  let otherProjectId: string;
  let token: string;
  let clientUrlId: string;

  beforeAll(async () => {
    owner = await createTestUser("client-url-owner");
    viewer = await createTestUser("client-url-viewer");
    stranger = await createTestUser("client-url-stranger");
    projectId = (await callerFor(owner.id).project.create({ name: "client-url-project" })).id;
    otherProjectId = (await callerFor(owner.id).project.create({ name: "client-url-other" })).id;
    await callerFor(owner.id).project.addMember({ projectId, email: viewer.email, role: "VIEWER" });
    const created = await callerFor(owner.id).clientUrl.create({ projectId, name: "opencode on my laptop" });
    token = created.token;
    clientUrlId = created.id;
    process.env.CORS_ORIGINS = "https://allowed.example, *";
    resetEnvForTests();
  });

  afterAll(() => {
    delete process.env.CORS_ORIGINS;
    resetEnvForTests();
  });

  it("is made through tRPC, shown once, stored only as a hash, and listed with its last use", async () => {
    expect(token).toMatch(/^acc_[\w-]{43}$/);
    const row = await testDb().clientUrl.findUniqueOrThrow({ where: { id: clientUrlId } });
    expect(row.tokenHash).toBe(createHash("sha256").update(token).digest("hex"));
    expect(JSON.stringify(row)).not.toContain(token);
    const [listed] = await callerFor(owner.id).clientUrl.list({ projectId });
    expect(listed).toMatchObject({ id: clientUrlId, name: "opencode on my laptop", prefix: token.slice(0, 10), lastUsedAt: null, revokedAt: null });
    expect(JSON.stringify(listed)).not.toContain(token);
  });

  it("can be made only by people who may start tasks in the project, from a signed-in browser", async () => {
    expect(await codeOf(callerFor(viewer.id).clientUrl.create({ projectId, name: "x" }))).toBe("FORBIDDEN");
    expect(await codeOf(callerFor(stranger.id).clientUrl.create({ projectId, name: "x" }))).toBe("NOT_FOUND");
    expect(await codeOf(callerFor(stranger.id).clientUrl.list({ projectId }))).toBe("NOT_FOUND");
    // An API token (a script) cannot mint addresses that act as its owner.
    expect(await codeOf(callerFor(owner.id, "api-token").clientUrl.create({ projectId, name: "x" }))).toBe("FORBIDDEN");
  });

  it("answers the original API for its own project only, whatever project a request names", async () => {
    const before = await testDb().task.count();
    // Refused after authentication, before anything is written: the project is the client URL's.
    const response = await clientRun(post("/c/t/api/agent/run", { task: "x", context_files: ["missing.py"], strict: true, project_id: otherProjectId }, { "x-project-id": otherProjectId }), params(token));
    expect(response.status).toBe(400);
    expect((await response.json()).detail).toMatch(/Not in the repository: missing\.py/);
    const stream = await clientStream(post("/c/t/api/agent/stream", { task: "" }), params(token));
    expect(stream.status).toBe(400);
    const parallel = await clientParallel(post("/c/t/api/agent/run_parallel", { steps: [{ agent: "wizard" }] }), params(token));
    expect((await parallel.json()).detail).toMatch(/"planner" or "critic"/);
    expect(await testDb().task.count()).toBe(before);
    const [listed] = await callerFor(owner.id).clientUrl.list({ projectId });
    expect(listed!.lastUsedAt).toBeInstanceOf(Date);
  });

  it("refuses unknown and revoked URLs with 401, and only the creator or the owner may revoke", async () => {
    const unknown = await clientRun(post("/c/t/api/agent/run", { task: "x" }), params("acc_unknown"));
    expect(unknown.status).toBe(401);
    expect((await unknown.json()).detail).toMatch(/client URL is unknown or revoked/);
    expect((await clientHealth(new Request("http://localhost/c/x/health"), params("acc_nope"))).status).toBe(401);
    const extra = await callerFor(owner.id).clientUrl.create({ projectId, name: "short-lived" });
    expect((await clientHealth(new Request("http://localhost/c/x/health"), params(extra.token))).status).toBe(200);
    expect(await codeOf(callerFor(stranger.id).clientUrl.revoke({ projectId, clientUrlId: extra.id }))).toBe("NOT_FOUND");
    await callerFor(owner.id).clientUrl.revoke({ projectId, clientUrlId: extra.id });
    expect((await clientRun(post("/c/t/api/agent/run", { task: "x" }), params(extra.token))).status).toBe(401);
    const home = await clientHome(new Request("http://localhost/c/x"), params(token));
    expect(home.status).toBe(302);
    expect(home.headers.get("location")).toBe(`http://localhost/projects/${projectId}`);
  });

  it("CORS: listed origins for header tokens, `*` only for client URLs, preflight answered, never credentials", async () => {
    const apiToken = (await createApiToken({ db: testDb(), userId: owner.id, name: "cors" })).token;
    const headerCall = (origin: string) => postRun(post("/api/agent/run", { task: "" }, { origin, authorization: `Bearer ${apiToken}`, "x-project-id": projectId }));
    const allowed = await headerCall("https://allowed.example");
    expect(allowed.headers.get("access-control-allow-origin")).toBe("https://allowed.example");
    expect(allowed.headers.get("access-control-allow-credentials")).toBeNull();
    // `*` in CORS_ORIGINS does not open header-token requests: a page could otherwise use a token it got hold of.
    expect((await headerCall("https://elsewhere.example")).headers.get("access-control-allow-origin")).toBeNull();
    const client = await clientRun(post("/c/t/api/agent/run", { task: "" }, { origin: "https://elsewhere.example" }), params(token));
    expect(client.headers.get("access-control-allow-origin")).toBe("*");
    expect(client.headers.get("access-control-expose-headers")).toMatch(/X-Run-Id/i);

    const preflight = (origin: string) => new Request("http://localhost/x", { method: "OPTIONS", headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "content-type" } });
    const clientPreflight = clientRunOptions(preflight("https://elsewhere.example"), params(token));
    expect(clientPreflight.status).toBe(204);
    expect(clientPreflight.headers.get("access-control-allow-origin")).toBe("*");
    expect(clientPreflight.headers.get("access-control-allow-headers")).toMatch(/content-type/);
    expect(clientPreflight.headers.get("access-control-allow-methods")).toMatch(/POST/);
    expect(optionsRun(preflight("https://elsewhere.example")).headers.get("access-control-allow-origin")).toBeNull();
    expect(optionsRun(preflight("https://allowed.example")).headers.get("access-control-allow-origin")).toBe("https://allowed.example");
  });

  it("says where the project id is when a header-token request names none", async () => {
    const apiToken = (await createApiToken({ db: testDb(), userId: owner.id, name: "no-project" })).token;
    const response = await postRun(post("/api/agent/run", { task: "x" }, { authorization: `Bearer ${apiToken}` }));
    expect(response.status).toBe(400);
    const { detail } = await response.json();
    expect(detail).toMatch(/project page's address \(\/projects\/<id>\)/);
    expect(detail).toMatch(/Client URL/);
    expect(detail).not.toMatch(/Settings/);
  });
});
