import { spawn } from "node:child_process";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { createHTTPHandler } from "@trpc/server/adapters/standalone";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { POST as postRun } from "@/app/api/agent/run/route";
import { POST as postRunParallel } from "@/app/api/agent/run_parallel/route";
import { POST as postStream } from "@/app/api/agent/stream/route";
import { appRouter } from "@/server/api/root";
import { resetEnvForTests } from "@/server/env";
import { createContext } from "@/server/api/trpc";
import { createApiToken, revokeApiToken } from "@/server/auth/api-tokens";
import { respondLegacyRun } from "@/server/legacy/legacy-runs";
import { createLegacyWsServer, DONE_SENTINEL } from "@/server/legacy/legacy-ws";
import { cancelRun } from "@/server/runs/cancel-run";
import { requireDocker } from "@/server/sandbox/docker-test-guard";
import type { FakeLlm } from "@/tests/fake-llm/fake-llm-server";
import { startTestRunner, waitForRunEnd, type TestRunner } from "@/tests/helpers/test-runner";
import { callerFor, createTestUser, testDb } from "../helpers/db";

const dockerReady = await requireDocker("legacy API (runs in the sandbox)");

type User = Awaited<ReturnType<typeof createTestUser>>;

function post(path: string, body: unknown, headers: Record<string, string> = {}): Request {
  return new Request(`http://localhost${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** Reads an SSE body: each event's data lines, decoded; stops early (and hangs up) after `limit` events. */
async function readSse(response: Response, limit = Infinity): Promise<{ raw: string; chunks: string[] }> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let raw = "";
  let chunks: string[] = [];
  while (chunks.length < limit) {
    const { done, value } = await reader.read();
    if (done) break;
    raw += decoder.decode(value, { stream: true });
    chunks = raw
      .split("\n\n")
      .slice(0, -1)
      .flatMap((block) => block.split("\n").filter((line) => line.startsWith("data: ")))
      .map((line) => line.slice(6).replaceAll("\u21b5", "\n"));
  }
  if (chunks.length >= limit) await reader.cancel();
  return { raw, chunks };
}

interface WsOutcome {
  messages: string[];
  closeCode: number;
  status?: number;
}

/** Connects to the WS endpoint, sends `messages` once open, collects everything until one __DONE__ per message, then hangs up. */
function talkWs(url: string, headers: Record<string, string>, message: string | string[] | null): Promise<WsOutcome> {
  const tasks = message === null ? [] : Array.isArray(message) ? message : [message];
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    const messages: string[] = [];
    ws.on("unexpected-response", (_req, res) => {
      resolve({ messages, closeCode: -1, status: res.statusCode });
      res.resume();
    });
    ws.on("open", () => {
      for (const task of tasks) ws.send(task);
    });
    ws.on("message", (data) => {
      messages.push(data.toString());
      if (messages.filter((m) => m === DONE_SENTINEL).length === tasks.length) ws.close(1000);
    });
    ws.on("close", (code) => resolve({ messages, closeCode: code }));
    ws.on("error", (error) => {
      if (!/Unexpected server response/.test(error.message)) reject(error);
    });
  });
}

describe("the original API's refusals (bearer token, project, body)", () => {
  let owner: User;
  let stranger: User;
  let ownerToken: string;
  let strangerToken: string;
  let revokedToken: string;
  let projectId: string;

  beforeAll(async () => {
    owner = await createTestUser("legacy-owner");
    stranger = await createTestUser("legacy-stranger");
    ownerToken = (await createApiToken({ db: testDb(), userId: owner.id, name: "script" })).token;
    strangerToken = (await createApiToken({ db: testDb(), userId: stranger.id, name: "script" })).token;
    const revoked = await createApiToken({ db: testDb(), userId: owner.id, name: "old" });
    await revokeApiToken({ db: testDb(), userId: owner.id, tokenId: revoked.id });
    revokedToken = revoked.token;
    projectId = (await callerFor(owner.id).project.create({ name: "legacy-refusals" })).id;
  });

  const routes = [
    ["/api/agent/run", postRun, { task: "Write add(a, b)" }],
    ["/api/agent/run_parallel", postRunParallel, { steps: [{ agent: "coder", description: "Write add", file: "calc.py" }] }],
    ["/api/agent/stream", postStream, { task: "Write add(a, b)" }],
  ] as const;

  it.each(routes)("%s refuses a missing, malformed or revoked token with 401 JSON", async (path, handler, body) => {
    const headers = { "x-project-id": projectId };
    for (const auth of [{}, { authorization: "Token abc" }, bearer("acai_not-a-real-token"), bearer(revokedToken)]) {
      const response = await handler(post(path, body, { ...headers, ...auth }));
      expect(response.status).toBe(401);
      expect(response.headers.get("content-type")).toMatch(/application\/json/);
      expect((await response.json()).detail).toMatch(/API token/);
    }
  });

  it.each(routes)("%s answers 404 for another user's project and for an unknown one, 400 when none is named", async (path, handler, body) => {
    const before = await testDb().task.count();
    const foreign = await handler(post(path, body, { ...bearer(strangerToken), "x-project-id": projectId }));
    expect(foreign.status).toBe(404);
    expect(await foreign.json()).toMatchObject({ code: "NOT_FOUND", detail: expect.stringMatching(/Project not found/) });
    const inBody = await handler(post(path, { ...body, project_id: projectId }, bearer(strangerToken)));
    expect(inBody.status).toBe(404);
    expect((await handler(post(path, body, { ...bearer(ownerToken), "x-project-id": "no-such-project" }))).status).toBe(404);
    const missing = await handler(post(path, body, bearer(ownerToken)));
    expect(missing.status).toBe(400);
    expect((await missing.json()).detail).toMatch(/X-Project-Id.*project_id/);
    expect(await testDb().task.count()).toBe(before);
  });

  it.each(routes)("%s refuses bad bodies with a clear 400 (or 413) and writes nothing", async (path, handler, body) => {
    const before = await testDb().task.count();
    const headers = { ...bearer(ownerToken), "x-project-id": projectId };
    const cases: Array<[unknown, number, RegExp]> = [
      ["{not json", 400, /not valid JSON/],
      ["", 400, /body is empty/],
      ["[1, 2]", 400, /JSON object/],
      ["x".repeat(1024 * 1024 + 10), 413, /larger than 1024 KiB/],
      [{ ...body, context_files: ["../etc/passwd"] }, 400, /inside the repository/],
      [{ ...body, context_files: ["missing.py"], strict: true }, 400, /Not in the repository: missing\.py/],
      [{ ...body, context_files: "main.py" }, 400, /context_files/],
    ];
    if ("task" in body) {
      cases.push([{}, 400, /`task` is required/], [{ task: "   " }, 400, /prompt is empty/], [{ task: "x".repeat(20_001) }, 400, /limit is 20,000/]);
    } else {
      cases.push(
        [{ steps: [] }, 400, /at least one step/],
        [{ steps: [{ agent: "tester", description: "Test" }] }, 400, /tester step needs `file`/],
        [{ steps: [{ agent: "tool", tool_name: "format_disk" }] }, 400, /unknown tool "format_disk"/],
        [{ steps: [{ agent: "coder", description: "x", file: "../x.py" }] }, 400, /plan is not valid/],
        [{ steps: [{ id: "a", agent: "coder", description: "a", file: "a.py", depends_on: ["b"] }, { id: "b", agent: "coder", description: "b", file: "b.py", depends_on: ["a"] }] }, 400, /cycle/],
        [{ steps: [{ agent: "wizard", description: "x" }] }, 400, /`agent` must be/],
      );
    }
    for (const [payload, status, message] of cases) {
      const response = await handler(post(path, payload, headers));
      expect({ payload: String(JSON.stringify(payload)).slice(0, 80), status: response.status }).toEqual({ payload: String(JSON.stringify(payload)).slice(0, 80), status });
      expect((await response.json()).detail).toMatch(message);
    }
    expect(await testDb().task.count()).toBe(before);
  });

  describe("tRPC with a bearer token", () => {
    const trpc = (token: string, path: string, input?: unknown, method: "GET" | "POST" = "GET") => {
      const encoded = input === undefined ? "" : `?input=${encodeURIComponent(JSON.stringify({ json: input }))}`;
      const req = new Request(`http://localhost/api/trpc/${path}${method === "GET" ? encoded : ""}`, {
        method,
        headers: { ...bearer(token), "content-type": "application/json" },
        ...(method === "POST" ? { body: JSON.stringify({ json: input }) } : {}),
      });
      return fetchRequestHandler({
        endpoint: "/api/trpc",
        req,
        router: appRouter,
        // A session that would let the request through if the bearer header were ever downgraded to it.
        createContext: () => createContext({ headers: req.headers, sessionUserId: async () => owner.id }),
      });
    };

    it("cannot list, create or revoke API tokens (session-only)", async () => {
      const tokenId = (await testDb().apiToken.findFirstOrThrow({ where: { userId: owner.id } })).id;
      for (const [path, input, method] of [
        ["token.list", undefined, "GET"],
        ["token.create", { name: "minted by a token" }, "POST"],
        ["token.revoke", { tokenId }, "POST"],
      ] as const) {
        const response = await trpc(ownerToken, path, input, method);
        expect(response.status).toBe(403);
        expect(JSON.stringify(await response.json())).toMatch(/signed-in browser session/);
      }
      expect(await testDb().apiToken.count({ where: { userId: owner.id, name: "minted by a token" } })).toBe(0);
      expect((await testDb().apiToken.findUniqueOrThrow({ where: { id: tokenId } })).revokedAt).toBeNull();
    });

    it("answers 404 for another user's project and run, 401 for a revoked token", async () => {
      const { runId } = await callerFor(owner.id).task.create({ projectId, prompt: "owned by the owner" });
      await cancelRun({ db: testDb(), userId: owner.id, runId });
      expect((await trpc(ownerToken, "run.byId", { runId })).status).toBe(200);
      expect((await trpc(strangerToken, "run.byId", { runId })).status).toBe(404);
      expect((await trpc(strangerToken, "project.byId", { projectId })).status).toBe(404);
      expect((await trpc(strangerToken, "run.list", { projectId })).status).toBe(404);
      expect((await trpc(strangerToken, "run.cancel", { runId }, "POST")).status).toBe(404);
      expect((await trpc(strangerToken, "task.create", { projectId, prompt: "hijack" }, "POST")).status).toBe(404);
      expect((await trpc(revokedToken, "run.byId", { runId })).status).toBe(401);
      expect((await trpc(revokedToken, "project.list")).status).toBe(401);
    });
  });
});

describe.skipIf(!dockerReady)("the original API, end to end on the fake model server and the real sandbox", () => {
  let llm: FakeLlm;
  let testRunner: TestRunner | undefined;
  let owner: User;
  let stranger: User;
  let ownerToken: string;
  let strangerToken: string;
  let projectId: string;
  let wsServer: http.Server;
  let wsUrl: string;
  const legacyWs = createLegacyWsServer({ db: testDb });

  beforeAll(async () => {
    testRunner = await startTestRunner();
    llm = testRunner.llm;
    owner = await createTestUser("legacy-e2e-owner");
    stranger = await createTestUser("legacy-e2e-stranger");
    ownerToken = (await createApiToken({ db: testDb(), userId: owner.id, name: "script" })).token;
    strangerToken = (await createApiToken({ db: testDb(), userId: stranger.id, name: "script" })).token;
    projectId = (await callerFor(owner.id).project.create({ name: "legacy-calculator" })).id;

    wsServer = http.createServer((_req, res) => res.writeHead(404).end());
    wsServer.on("upgrade", (req, socket, head) => {
      if (!legacyWs.handleUpgrade(req, socket, head)) socket.destroy();
    });
    await new Promise<void>((resolve) => wsServer.listen(0, "127.0.0.1", resolve));
    wsUrl = `ws://127.0.0.1:${(wsServer.address() as AddressInfo).port}/api/ws`;
  });

  afterAll(async () => {
    await legacyWs.close();
    await new Promise((resolve) => wsServer?.close(resolve));
    await testRunner?.stop();
  });

  const ownerHeaders = () => ({ ...bearer(ownerToken), "x-project-id": projectId });

  it("/run answers the original results (code, test output with exit code, review) from a verified run", async () => {
    const response = await postRun(post("/api/agent/run", { task: "Write add(a, b) in calc.py with tests", context_files: [] }, ownerHeaders()));
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body).toMatchObject({ status: "succeeded", verdict: "PASS", verification: { outcome: "verified" }, run_id: expect.any(String) });
    const types = body.results.map((r: { type: string }) => r.type);
    expect(types).toContain("code");
    expect(types).toContain("test");
    expect(types.at(-1)).toBe("review");
    const code = body.results.find((r: { type: string; file?: string }) => r.type === "code" && r.file === "calc.py");
    expect(code.output).toContain("def add(a, b)");
    const test = body.results.find((r: { type: string }) => r.type === "test");
    expect(test).toMatchObject({ exit_code: 0 });
    expect(test.output).toMatch(/passed[\s\S]*\(exit code 0\)$/);
    expect(body.results.at(-1)).toMatchObject({ step: "Critic review", output: expect.stringMatching(/^PASS/) });
    const run = await testDb().run.findUniqueOrThrow({ where: { id: body.run_id }, include: { task: true } });
    expect(run).toMatchObject({ status: "SUCCEEDED", projectId });
    expect(run.task.authorId).toBe(owner.id);
  });

  it("/run with parent_run_id (or thread_id) follows up on a run in its thread; another user's run is 404", async () => {
    const first = await testDb().run.findFirstOrThrow({ where: { projectId, status: "SUCCEEDED" }, orderBy: { createdAt: "desc" } });
    const refused = await postRun(post("/api/agent/run", { task: "steal it", parent_run_id: first.id }, { ...bearer(strangerToken) }));
    expect(refused.status).toBe(404);
    llm.script("planner", JSON.stringify({ steps: [{ id: "s1", agent: "coder", description: "Write add(a, b) in more.py", file: "more.py" }] }));
    const response = await postRun(post("/api/agent/run", { task: "Now also write more.py", thread_id: first.id }, ownerHeaders()));
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body).toMatchObject({ status: "succeeded", thread_id: first.id, parent_run_id: first.id });
    const run = await testDb().run.findUniqueOrThrow({ where: { id: body.run_id } });
    expect(run).toMatchObject({ threadId: first.id, parentRunId: first.id, baseCommit: first.headCommit });
  });

  it("/run_parallel runs the given steps as the plan, in parallel, without the Planner, one result per step", async () => {
    const plannerCallsBefore = llm.requests.filter((r) => r.role === "planner").length;
    const response = await postRunParallel(
      post(
        "/api/agent/run_parallel",
        {
          steps: [
            { agent: "coder", description: "Create the add function", file: "adder.py" },
            { agent: "coder", description: "Create summing helper" },
          ],
          context_files: [],
        },
        ownerHeaders(),
      ),
    );
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body.status).toBe("succeeded");
    expect(body.results).toHaveLength(2);
    expect(body.results[0]).toContain("def add(a, b)");
    expect(body.results[1]).toContain("def add(a, b)");
    expect(body.steps.map((s: { id: string; file: string; status: string }) => [s.id, s.file, s.status])).toEqual([
      ["s1", "adder.py", "passed"],
      ["s2", "create_summing_helper.py", "passed"],
    ]);
    expect(llm.requests.filter((r) => r.role === "planner")).toHaveLength(plannerCallsBefore);
    const events = await testDb().runEvent.findMany({ where: { runId: body.run_id }, orderBy: { seq: "asc" } });
    const at = (type: string, stepId: string) => events.find((e) => e.type === type && (e.payload as { stepId?: string }).stepId === stepId)!.seq;
    // Both steps started before either finished: they ran side by side, not in list order.
    expect(Math.max(at("step.started", "s1"), at("step.started", "s2"))).toBeLessThan(Math.min(at("step.finished", "s1"), at("step.finished", "s2")));
    const task = await testDb().task.findFirstOrThrow({ where: { runs: { some: { id: body.run_id } } } });
    expect(task.plan).toMatchObject({ steps: [{ id: "s1", depends_on: [] }, { id: "s2", depends_on: [] }] });
  });

  it("/run_parallel answers planner and critic steps beside the run, in order, and a missing context file is a warning", async () => {
    // Planner and critic steps ask the model in this process, with the server's settings: the fake model.
    Object.assign(process.env, { LLM_MODE: "litellm", LITELLM_URL: llm.url, LLM_MODEL: "", LLM_MAX_RETRIES: "0" });
    resetEnvForTests();
    const plannerCallsBefore = llm.requests.filter((r) => r.role === "planner").length;
    const steps = [
      { agent: "planner", description: "Plan a calculator with tests" },
      { agent: "coder", description: "Create the add function", file: "adder.py" },
      { agent: "critic", description: "Review the calculator" },
    ];
    const response = await postRunParallel(post("/api/agent/run_parallel", { steps, context_files: ["nowhere.py"] }, ownerHeaders()));
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body.results).toHaveLength(3);
    expect(body.results[0]).toMatchObject({ steps: expect.arrayContaining([expect.objectContaining({ agent: "coder" })]) });
    expect(body.results[1]).toContain("def add(a, b)");
    expect(body.results[2]).toEqual({ verdict: "PASS", reasons: expect.any(Array) });
    expect(body.warnings).toEqual(["Context file nowhere.py is not in the project's repository; it was ignored."]);
    expect(body.steps.map((s: { id: string }) => s.id)).toEqual(["s2"]);
    expect(llm.requests.filter((r) => r.role === "planner")).toHaveLength(plannerCallsBefore + 1);
    // Only planner and critic steps: answered without starting a run.
    const runsBefore = await testDb().run.count();
    const advice = await postRunParallel(post("/api/agent/run_parallel", { steps: [{ agent: "critic" }] }, ownerHeaders()));
    expect((await advice.json()).results).toEqual([{ verdict: "PASS", reasons: expect.any(Array) }]);
    expect(await testDb().run.count()).toBe(runsBefore);
  });

  it("WS under a client URL: two tasks on one socket, each ending in __DONE__, for the URL's project", async () => {
    const { token } = await callerFor(owner.id).clientUrl.create({ projectId, name: "socket" });
    const clientWs = wsUrl.replace("/api/ws", `/c/${token}/api/ws`);
    const outcome = await talkWs(clientWs, {}, [JSON.stringify({ task: "Write add(a, b) in calc.py, first" }), JSON.stringify({ task: "Write add(a, b) in calc.py, second", context_files: ["gone.py"] })]);
    const dones = outcome.messages.flatMap((m, i) => (m === DONE_SENTINEL ? [i] : []));
    expect(dones).toHaveLength(2);
    const [first, second] = [outcome.messages.slice(0, dones[0]! + 1), outcome.messages.slice(dones[0]! + 1)];
    for (const messages of [first, second]) {
      expect(messages.at(-2)).toMatch(/^✅ Done\./);
      const runId = /Run (\S+) queued/.exec(messages[0]!)![1]!;
      expect((await testDb().run.findUniqueOrThrow({ where: { id: runId } })).projectId).toBe(projectId);
    }
    expect(second[1]).toMatch(/^⚠️ Context file gone\.py is not in the project's repository/);
    expect((await talkWs(wsUrl.replace("/api/ws", "/c/acc_unknown/api/ws"), {}, null)).status).toBe(401);
  });

  it("/run_parallel gives a tool step {stdout, returncode} from its real execution", async () => {
    const response = await postRunParallel(
      post(
        "/api/agent/run_parallel",
        {
          steps: [
            { id: "code", agent: "coder", description: "Write add", file: "calc.py" },
            { agent: "tool", tool_name: "run_tests", tool_params: {}, depends_on: ["code"] },
          ],
        },
        ownerHeaders(),
      ),
    );
    const body = await response.json();
    expect(response.status).toBe(200);
    expect(body.steps.map((s: { status: string }) => s.status)).toEqual(["passed", "passed"]);
    expect(body.results[1]).toMatchObject({ returncode: 0, stdout: expect.stringMatching(/passed/) });
  });

  it("/stream sends one data: line per chunk: tokens, step and command lines, then a closing Done line", async () => {
    const response = await postStream(post("/api/agent/stream", { task: "Write add(a, b) in calc.py, streamed" }, ownerHeaders()));
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const runId = response.headers.get("x-run-id")!;
    const { raw, chunks } = await readSse(response);
    for (const block of raw.split("\n\n").filter(Boolean)) expect(block).toMatch(/^(data: [^\n]*|: keep-alive)$/);
    expect(chunks[0]).toBe(`🚀 Run ${runId} queued\n`);
    const text = chunks.join("");
    expect(text).toMatch(/▶ \[s1\] coder: /);
    expect(text).toContain("def add(a, b):\n    return a + b");
    expect(text).toMatch(/\$ .*pytest.* -> exit 0, passed/);
    expect(chunks.at(-1)).toMatch(/^✅ Done\. Verified by execution/);
    expect((await testDb().run.findUniqueOrThrow({ where: { id: runId } })).status).toBe("SUCCEEDED");
  });

  it("/stream: a client that disconnects does not cancel the run; it finishes and stays in the history", async () => {
    const response = await postStream(post("/api/agent/stream", { task: "Write add(a, b) in calc.py, then hang up" }, ownerHeaders()));
    const runId = response.headers.get("x-run-id")!;
    const { chunks } = await readSse(response, 1);
    expect(chunks).toHaveLength(1);
    const run = await waitForRunEnd(runId);
    expect(run.status).toBe("SUCCEEDED");
    expect(run.cancelRequestedAt).toBeNull();
    expect((await callerFor(owner.id).run.list({ projectId })).runs.map((r) => r.id)).toContain(runId);
  });

  it("/run answers 504 with the run id when the run outlasts the timeout, and the run goes on", async () => {
    llm.script("coder", { hang: true });
    const response = await respondLegacyRun(post("/api/agent/run", { task: "Write add(a, b) in calc.py very slowly" }, ownerHeaders()), { db: testDb(), timeoutMs: 1500 });
    expect(response.status).toBe(504);
    const body = await response.json();
    expect(body).toMatchObject({ code: "TIMEOUT", status: "running", run_id: expect.any(String) });
    expect(body.detail).toMatch(/keeps running/);
    const run = await testDb().run.findUniqueOrThrow({ where: { id: body.run_id } });
    expect(["QUEUED", "RUNNING"]).toContain(run.status);
    await cancelRun({ db: testDb(), userId: owner.id, runId: body.run_id });
    expect((await waitForRunEnd(body.run_id)).status).toBe("CANCELLED");
  });

  it("WS /api/ws streams text chunks, then __DONE__, and keeps the socket open for the next task", async () => {
    const outcome = await talkWs(wsUrl, bearer(ownerToken), JSON.stringify({ task: "Write add(a, b) in calc.py over a socket", context_files: [], project_id: projectId }));
    expect(outcome.closeCode).toBe(1000);
    expect(outcome.messages.at(-1)).toBe(DONE_SENTINEL);
    expect(outcome.messages.at(-2)).toMatch(/^✅ Done\./);
    expect(outcome.messages.join("")).toContain("def add(a, b)");
    const runId = /Run (\S+) queued/.exec(outcome.messages[0]!)![1]!;
    expect((await testDb().run.findUniqueOrThrow({ where: { id: runId } })).status).toBe("SUCCEEDED");
  });

  it("/run_parallel and WS /api/ws take thread_id: the given steps, or the message, are the thread's next turn on its branch", async () => {
    const latest = await testDb().run.findFirstOrThrow({ where: { projectId, status: "SUCCEEDED" }, orderBy: { createdAt: "desc" } });
    const threadId = latest.threadId ?? latest.id;
    const plannerCallsBefore = llm.requests.filter((r) => r.role === "planner").length;
    const response = await postRunParallel(
      post("/api/agent/run_parallel", { thread_id: threadId, steps: [{ agent: "coder", description: "Write add(a, b) in parallel_turn.py", file: "parallel_turn.py" }] }, ownerHeaders()),
    );
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body).toMatchObject({ status: "succeeded", thread_id: threadId, parent_run_id: latest.id });
    const parallelRun = await testDb().run.findUniqueOrThrow({ where: { id: body.run_id } });
    expect(parallelRun).toMatchObject({ threadId, parentRunId: latest.id, baseCommit: latest.headCommit });
    // The given steps ran as the plan: no planner call.
    expect(llm.requests.filter((r) => r.role === "planner").length).toBe(plannerCallsBefore);

    llm.script("planner", JSON.stringify({ steps: [{ id: "s1", agent: "coder", description: "Write add(a, b) in ws_turn.py", file: "ws_turn.py" }] }));
    const outcome = await talkWs(wsUrl, bearer(ownerToken), JSON.stringify({ task: "Now also ws_turn.py", thread_id: threadId }));
    expect(outcome.messages[0]).toMatch(new RegExp(`^🚀 Run \\S+ queued \\(thread ${threadId}\\)`));
    expect(outcome.messages.at(-1)).toBe(DONE_SENTINEL);
    const wsRunId = /Run (\S+) queued/.exec(outcome.messages[0]!)![1]!;
    const wsRun = await testDb().run.findUniqueOrThrow({ where: { id: wsRunId } });
    expect(wsRun).toMatchObject({ status: "SUCCEEDED", threadId, parentRunId: parallelRun.id, baseCommit: parallelRun.headCommit });

    // Someone else's thread is not found, over either endpoint; nothing is created.
    const before = await testDb().run.count();
    const foreign = await talkWs(wsUrl, bearer(strangerToken), JSON.stringify({ task: "hijack", thread_id: threadId }));
    expect(foreign.messages).toEqual([expect.stringMatching(/^Error: Run not found/), DONE_SENTINEL]);
    const refused = await postRunParallel(post("/api/agent/run_parallel", { thread_id: threadId, project_id: projectId, steps: [{ agent: "coder", description: "x", file: "x.py" }] }, bearer(strangerToken)));
    expect(refused.status).toBe(404);
    expect(await testDb().run.count()).toBe(before);
  }, 360_000); // two whole runs, one after the other (125 s seen at load 26)

  it("WS /api/ws takes the token and project from the query (for browsers) and refuses bad input without crashing", async () => {
    const base = `${wsUrl}?token=${encodeURIComponent(ownerToken)}&project_id=${projectId}`;
    const before = await testDb().task.count();
    // Each refused task gets its error and its __DONE__; the socket stays open for the next one.
    const refused = await talkWs(base, {}, ["{nope", JSON.stringify({ context_files: [] })]);
    expect(refused.messages).toEqual([expect.stringMatching(/^Error: The message is not valid JSON/), DONE_SENTINEL, expect.stringMatching(/^Error: `task` is required/), DONE_SENTINEL]);
    const foreign = await talkWs(`${wsUrl}?project_id=${projectId}`, bearer(strangerToken), JSON.stringify({ task: "hijack" }));
    expect(foreign.messages).toEqual([expect.stringMatching(/^Error: Project not found/), DONE_SENTINEL]);
    expect(await testDb().task.count()).toBe(before);
    expect((await talkWs(wsUrl, {}, null)).status).toBe(401);
    expect((await talkWs(`${wsUrl}?token=acai_revoked-or-unknown`, {}, null)).status).toBe(401);
    // The server still answers after all that.
    const ok = await talkWs(base, {}, JSON.stringify({ task: "Write add(a, b) in calc.py once more" }));
    expect(ok.messages.at(-1)).toBe(DONE_SENTINEL);
  });
  it("the typed example client creates a task over HTTP with a bearer token, streams its events and prints the verdict", async () => {
    const trpcHttp = http.createServer(
      createHTTPHandler({
        router: appRouter,
        basePath: "/api/trpc/",
        createContext: ({ req }) => createContext({ headers: new Headers(req.headers as Record<string, string>), sessionUserId: async () => null }),
      }),
    );
    await new Promise<void>((resolve) => trpcHttp.listen(0, "127.0.0.1", resolve));
    try {
      const url = `http://127.0.0.1:${(trpcHttp.address() as AddressInfo).port}`;
      const root = path.resolve(import.meta.dirname, "../..");
      const child = spawn(path.join(root, "node_modules/.bin/tsx"), ["examples/typed-client.ts", "--url", url, "--project", projectId, "Write add(a, b) in calc.py from a script"], {
        cwd: root,
        env: { ...process.env, AUTOCODE_TOKEN: ownerToken },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let output = "";
      child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
      const code = await new Promise<number | null>((resolve) => child.once("close", resolve));
      expect({ code, output }).toMatchObject({ code: 0 });
      expect(output).toMatch(/run \S+ queued/);
      expect(output).toMatch(/#\d+ step\.started \[s1\] coder: /);
      expect(output).toContain("def add(a, b)");
      expect(output).toMatch(/#\d+ run\.finished succeeded/);
      expect(output).toMatch(/verdict: +PASS/);
      expect(output).toMatch(/verification: verified: Verified by execution/);

      const refused = spawn(path.join(root, "node_modules/.bin/tsx"), ["examples/typed-client.ts", "--url", url, "--project", projectId, "anything"], {
        cwd: root,
        env: { ...process.env, AUTOCODE_TOKEN: strangerToken },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let refusal = "";
      refused.stderr.on("data", (chunk: Buffer) => (refusal += chunk.toString()));
      expect(await new Promise((resolve) => refused.once("close", resolve))).toBe(1);
      expect(refusal).toMatch(/Project not found/);
    } finally {
      await new Promise((resolve) => trpcHttp.close(resolve));
    }
  });
});
