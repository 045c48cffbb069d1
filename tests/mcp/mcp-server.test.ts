import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { LoggingMessageNotificationSchema, ResourceUpdatedNotificationSchema, type CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiToken } from "@/server/auth/api-tokens";
import { createMcpHttpHandler } from "@/server/mcp/mcp-http";
import type { ProgressItem } from "@/server/mcp/run-progress";
import { describeRunEvent } from "@/server/mcp/run-progress";
import { listRunEvents } from "@/server/runs/run-events";
import { requireDocker } from "@/server/sandbox/docker-test-guard";
import { startTestRunner, waitForRunEnd, type TestRunner } from "@/tests/helpers/test-runner";
import { callerFor, createTestUser, testDb } from "../helpers/db";

const dockerReady = await requireDocker("MCP server (runs in the sandbox)");
const root = path.resolve(import.meta.dirname, "../..");

type User = Awaited<ReturnType<typeof createTestUser>>;

const text = (result: unknown) => ((result as CallToolResult).content[0] as { text: string }).text;
const structured = (result: unknown) => (result as CallToolResult).structuredContent as Record<string, unknown>;

/** A client of the real /mcp handler; `fetch` lets a test cut connections the way a network would. */
async function connect(url: string, token: string | null, options: { fetch?: typeof fetch } = {}) {
  const client = new Client({ name: "mcp-test", version: "1.0.0" });
  const transport = new StreamableHTTPClientTransport(new URL(url), {
    requestInit: { headers: token ? { authorization: `Bearer ${token}` } : {} },
    fetch: options.fetch,
    reconnectionOptions: { initialReconnectionDelay: 300, maxReconnectionDelay: 1000, reconnectionDelayGrowFactor: 1.5, maxRetries: 5 },
  });
  await client.connect(transport);
  const progress: ProgressItem[] = [];
  client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => void progress.push(n.params.data as ProgressItem));
  return { client, transport, progress };
}

/** A raw tools/list in an existing session, sent with another caller's token. */
function listToolsIn(url: string, sessionId: string, token: string) {
  return fetch(url, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "mcp-session-id": sessionId, "content-type": "application/json", accept: "application/json, text/event-stream" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
  });
}

/** The progress lines the run's stored events should have produced, in order. */
async function expectedProgress(runId: string) {
  const events = await listRunEvents({ db: testDb(), runId });
  return events.flatMap((event) => describeRunEvent(runId, event) ?? []);
}

async function until(check: () => boolean, timeoutMs = 30_000, what = "condition") {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe.skipIf(!dockerReady)("AutoCodeAI as an MCP server (real worker, sandbox and fake model)", () => {
  let testRunner: TestRunner;
  let owner: User;
  let stranger: User;
  let ownerToken: string;
  let strangerToken: string;
  let projectId: string;
  let server: http.Server;
  let url: string;
  const mcp = createMcpHttpHandler({ db: testDb });

  beforeAll(async () => {
    testRunner = await startTestRunner();
    owner = await createTestUser("mcp-owner");
    stranger = await createTestUser("mcp-stranger");
    ownerToken = (await createApiToken({ db: testDb(), userId: owner.id, name: "mcp" })).token;
    strangerToken = (await createApiToken({ db: testDb(), userId: stranger.id, name: "mcp" })).token;
    projectId = (await callerFor(owner.id).project.create({ name: "mcp-calculator" })).id;
    server = http.createServer((req, res) => void mcp.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
  });

  afterAll(async () => {
    await mcp.close();
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    await testRunner?.stop();
  });

  it("lists its tools with input schemas, and its run resources", async () => {
    const { client } = await connect(url, ownerToken);
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(["cancel_run", "follow_up", "get_diff", "get_run", "list_projects", "list_runs", "run_task", "wait_for_run"]);
    const runTask = tools.find((t) => t.name === "run_task")!;
    expect(runTask.inputSchema.required).toEqual(["projectId", "prompt"]);
    expect(runTask.description).toMatch(/verified by execution/);
    const { resourceTemplates } = await client.listResourceTemplates();
    expect(resourceTemplates.map((t) => t.uriTemplate).sort()).toEqual(["autocode://runs/{runId}/diff", "autocode://runs/{runId}/events"]);
    expect(client.getServerCapabilities()?.resources?.subscribe).toBe(true);
    const projects = await client.callTool({ name: "list_projects", arguments: {} });
    expect(structured(projects).projects).toEqual([expect.objectContaining({ id: projectId, role: "owner" })]);
    await client.close();
  });

  it("runs a task: the run id at once, progress in order, then a verified result whose record and diff match the API's", async () => {
    const { client, progress } = await connect(url, ownerToken);
    const updates: string[] = [];
    client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => void updates.push(n.params.uri));

    const started = Date.now();
    const run = await client.callTool({ name: "run_task", arguments: { projectId, prompt: "Write add(a, b) in calc.py with tests" } });
    expect(run.isError).toBeFalsy();
    const runId = structured(run).runId as string;
    expect(structured(run).status).toBe("QUEUED");
    expect(Date.now() - started).toBeLessThan(3000);
    await client.subscribeResource({ uri: `autocode://runs/${runId}/diff` });

    const waitProgress: string[] = [];
    const waited = await client.callTool({ name: "wait_for_run", arguments: { runId, timeoutSeconds: 120 } }, undefined, {
      timeout: 130_000,
      onprogress: (p) => void waitProgress.push(p.message ?? ""),
    });
    const body = text(waited);
    expect(body.split("\n")[0]).toMatch(/^Verified by execution: \d+ tests? passed, 0 regressions\.$/);
    expect(structured(waited)).toMatchObject({ runId, status: "SUCCEEDED", verified: true, tests: { failed: 0, regressions: [] } });
    expect((structured(waited).tests as { passed: number }).passed).toBe(Number(/(\d+) tests? passed/.exec(body)![1]));
    expect(body).toContain("def add(a, b)");

    // Progress: every progress event of the run, once each, in the log's order, ending with the finish.
    await until(() => progress.some((p) => p.kind === "finished"), 10_000, "the finished notification");
    const expected = await expectedProgress(runId);
    expect(progress.map((p) => p.seq)).toEqual(expected.map((p) => p.seq));
    expect(progress.map((p) => p.kind)).toEqual(expect.arrayContaining(["queued", "started", "plan", "step", "command", "verdict", "finished"]));
    const command = progress.find((p) => p.kind === "command")!;
    expect(command.message).toMatch(/-> exit 0/);
    expect(command.exitCode).toBe(0);
    expect(progress.findIndex((p) => p.kind === "plan")).toBeLessThan(progress.findIndex((p) => p.kind === "verdict"));
    expect(waitProgress.length).toBeGreaterThan(0);
    expect(updates).toContain(`autocode://runs/${runId}/diff`);

    // The same record and diff as the tRPC API gives.
    const caller = callerFor(owner.id, "api-token");
    const byId = await caller.run.byId({ runId });
    const got = await client.callTool({ name: "get_run", arguments: { runId } });
    expect(structured(got).verification).toEqual(JSON.parse(JSON.stringify(byId.verification)));
    expect(structured(got).usage).toEqual({ tokensIn: byId.tokensIn, tokensOut: byId.tokensOut, costUsd: byId.costUsd });
    const apiDiff = (await caller.run.diff({ runId }))!;
    const diff = await client.callTool({ name: "get_diff", arguments: { runId } });
    expect(text(diff)).toBe(apiDiff.files.map((f) => f.patch).join(""));
    const oneFile = await client.callTool({ name: "get_diff", arguments: { runId, file: "calc.py" } });
    expect(text(oneFile)).toBe(apiDiff.files.find((f) => f.path === "calc.py")!.patch);
    const missing = await client.callTool({ name: "get_diff", arguments: { runId, file: "nope.py" } });
    expect(missing.isError).toBe(true);
    expect(text(missing)).toMatch(/did not change nope\.py/);

    const listed = await client.callTool({ name: "list_runs", arguments: { projectId, limit: 5 } });
    expect((structured(listed).runs as Array<{ id: string; status: string }>)[0]).toMatchObject({ id: runId, status: "SUCCEEDED" });

    const resource = await client.readResource({ uri: `autocode://runs/${runId}/diff` });
    expect(resource.contents[0]).toMatchObject({ mimeType: "text/x-diff", text: text(diff) });
    const events = await client.readResource({ uri: `autocode://runs/${runId}/events` });
    const lines = (events.contents[0] as { text: string }).text.split("\n").map((line) => JSON.parse(line) as { seq: number; type: string });
    expect(lines.map((e) => e.seq)).toEqual(lines.map((_, i) => i + 1));
    expect(lines.at(-1)!.type).toBe("run.finished");

    // A follow-up continues the thread: the same service as task.followUp, refused for an empty message.
    const empty = await client.callTool({ name: "follow_up", arguments: { runId, prompt: " " } });
    expect(empty.isError).toBe(true);
    const next = await client.callTool({ name: "follow_up", arguments: { runId, prompt: "Now also handle None" } });
    expect(structured(next)).toMatchObject({ threadId: runId, parentRunId: runId, status: "QUEUED" });
    const nextId = structured(next).runId as string;
    expect((await testDb().run.findUniqueOrThrow({ where: { id: nextId } })).parentRunId).toBe(runId);
    await client.callTool({ name: "cancel_run", arguments: { runId: nextId } });
    await waitForRunEnd(nextId);
    await client.close();
  });

  it("cancels a running run and says plainly that it is not verified", async () => {
    testRunner.llm.script("coder", { hang: true });
    const { client, progress } = await connect(url, ownerToken);
    const run = await client.callTool({ name: "run_task", arguments: { projectId, prompt: "Write add(a, b) in calc.py, slowly" } });
    const runId = structured(run).runId as string;
    await until(() => progress.some((p) => p.kind === "step"), 30_000, "the first step to start");
    // From here on the client wants warnings only: the cancelled finish is one, the steps' lines are not.
    await client.setLoggingLevel("warning");
    const quietFrom = progress.length;
    const early = await client.callTool({ name: "wait_for_run", arguments: { runId, timeoutSeconds: 1 } });
    expect(text(early).split("\n")[0]).toMatch(/^NOT finished: the run is running \(0 of 1 step\(s\) done\)\. Call wait_for_run again\.$/);
    const cancelled = await client.callTool({ name: "cancel_run", arguments: { runId } });
    expect(structured(cancelled).status).toMatch(/^CANCELL(ING|ED)$/);
    const waited = await client.callTool({ name: "wait_for_run", arguments: { runId, timeoutSeconds: 60 } }, undefined, { timeout: 70_000 });
    expect(text(waited).split("\n")[0]).toBe("NOT verified: the run was cancelled.");
    expect(structured(waited)).toMatchObject({ status: "CANCELLED", verified: false });
    expect((await waitForRunEnd(runId)).status).toBe("CANCELLED");
    await until(() => progress.some((p) => p.kind === "finished"), 10_000, "the finished warning");
    expect(progress.slice(quietFrom).map((p) => p.kind)).toEqual(["finished"]);
    await client.close();
  });

  it("refuses a bad token at the door, and gives a stranger's token errors and no data", async () => {
    await expect(connect(url, "acai_not-a-real-token")).rejects.toThrow(/401|unknown or revoked/);
    const [runId] = (await callerFor(owner.id).run.list({ projectId, status: "SUCCEEDED" })).runs.map((r) => r.id);
    const { client } = await connect(url, strangerToken);
    expect(structured(await client.callTool({ name: "list_projects", arguments: {} })).projects).toEqual([]);
    expect(structured(await client.callTool({ name: "list_runs", arguments: {} })).runs).toEqual([]);
    expect(text(await client.callTool({ name: "list_runs", arguments: { projectId } }))).toBe("Project not found. It may have been deleted, or you do not have access to it.");
    const before = await testDb().task.count();
    const start = await client.callTool({ name: "run_task", arguments: { projectId, prompt: "Steal the code" } });
    expect(start.isError).toBe(true);
    expect(text(start)).toBe("Project not found. It may have been deleted, or you do not have access to it.");
    expect(structured(start).error).toMatchObject({ code: "NOT_FOUND", status: 404 });
    expect(await testDb().task.count()).toBe(before);
    for (const name of ["get_run", "wait_for_run", "get_diff", "cancel_run"]) {
      const result = await client.callTool({ name, arguments: { runId } });
      expect(result.isError, name).toBe(true);
      expect(text(result), name).toBe("Run not found. It may have been deleted, or you do not have access to it.");
      expect(text(result)).not.toMatch(/\n\s+at /);
    }
    await expect(client.readResource({ uri: `autocode://runs/${runId}/diff` })).rejects.toThrow(/Run not found/);
    await expect(client.subscribeResource({ uri: `autocode://runs/${runId}/events` })).rejects.toThrow(/Run not found/);
    expect((await testDb().run.findUniqueOrThrow({ where: { id: runId! } })).cancelRequestedAt).toBeNull();

    // As a viewer of another project the stranger may read it but not start tasks there (403, the API's words).
    const shared = await callerFor(owner.id).project.create({ name: "mcp-shared" });
    await callerFor(owner.id).project.addMember({ projectId: shared.id, email: stranger.email, role: "VIEWER" });
    const asViewer = await client.callTool({ name: "run_task", arguments: { projectId: shared.id, prompt: "Change it anyway" } });
    expect(structured(asViewer).error).toMatchObject({ code: "FORBIDDEN", status: 403, message: "You can view this project but not change it. Ask its owner for editor access." });
    // Bad input is the API's 400 with its message, and nothing is written.
    const { client: ownerTools } = await connect(url, ownerToken);
    const badFile = await ownerTools.callTool({ name: "run_task", arguments: { projectId, prompt: "Use a file that is not there", contextFiles: ["missing.py"] } });
    expect(structured(badFile).error).toMatchObject({ code: "BAD_REQUEST", status: 400 });
    expect(text(badFile)).toMatch(/^Not in the repository: missing\.py/);
    expect(await testDb().task.count()).toBe(before);
    await ownerTools.close();

    // A session id is bound to the token that opened it.
    const { client: ownerClient, transport } = await connect(url, ownerToken);
    expect((await listToolsIn(url, transport.sessionId!, strangerToken)).status).toBe(404);
    await ownerClient.close();
    await client.close();
  });

  it("accepts a project's client URL (/c/<token>/mcp): that project only, no header, revocable", async () => {
    const clientProject = (await callerFor(owner.id).project.create({ name: "mcp-client-url" })).id;
    const made = await callerFor(owner.id).clientUrl.create({ projectId: clientProject, name: "agent" });
    const clientUrl = url.replace(/\/mcp$/, `${made.path}/mcp`);
    const [otherRunId] = (await callerFor(owner.id).run.list({ projectId, status: "SUCCEEDED" })).runs.map((r) => r.id);
    const { client, transport } = await connect(clientUrl, null);
    expect((structured(await client.callTool({ name: "list_projects", arguments: {} })).projects as Array<{ id: string }>).map((p) => p.id)).toEqual([clientProject]);
    // The same user's other project and its runs are out of reach, worded as for things that do not exist.
    const elsewhere = await client.callTool({ name: "run_task", arguments: { projectId, prompt: "Outside the client URL's project" } });
    expect(text(elsewhere)).toBe("Project not found. It may have been deleted, or you do not have access to it.");
    for (const name of ["get_run", "get_diff", "cancel_run", "wait_for_run"]) {
      expect(text(await client.callTool({ name, arguments: { runId: otherRunId } })), name).toBe("Run not found. It may have been deleted, or you do not have access to it.");
    }
    await expect(client.readResource({ uri: `autocode://runs/${otherRunId}/events` })).rejects.toThrow(/Run not found/);
    expect(structured(await client.callTool({ name: "list_runs", arguments: {} })).runs).toEqual([]);
    // Inside it, tasks start and can be stopped.
    const started = await client.callTool({ name: "run_task", arguments: { projectId: clientProject, prompt: "Write add(a, b) in calc.py via a client URL" } });
    const runId = structured(started).runId as string;
    expect((await testDb().run.findUniqueOrThrow({ where: { id: runId } })).projectId).toBe(clientProject);
    expect(structured(await client.callTool({ name: "cancel_run", arguments: { runId } })).status).toMatch(/^CANCELL(ING|ED)$/);
    expect((await waitForRunEnd(runId)).status).toBe("CANCELLED");
    // The session belongs to the client URL: the same user's API token cannot use it.
    expect((await listToolsIn(url, transport.sessionId!, ownerToken)).status).toBe(404);
    await client.close();
    await callerFor(owner.id).clientUrl.revoke({ projectId: clientProject, clientUrlId: made.id });
    await expect(connect(clientUrl, null)).rejects.toThrow(/client URL is unknown or revoked/);
  });

  it("loses nothing when the stream drops mid-run: the client reconnects with Last-Event-ID and the rest is replayed", async () => {
    testRunner.llm.script("coder", { text: "```python\ndef add(a, b):\n    return a + b\n```", latencyMs: 1500 });
    let drop: AbortController | undefined;
    let runId = "";
    const resumedFrom: string[] = [];
    let missedWhileAway = 0;
    // The long-lived GET stream is cut once after the second notification, as a network failure would, and
    // the client's reconnect is held until the run has moved on, so the replay has something to deliver.
    const cuttingFetch: typeof fetch = async (input, init) => {
      const headers = new Headers(init?.headers);
      if (init?.method === "GET" && headers.get("last-event-id")) {
        resumedFrom.push(headers.get("last-event-id")!);
        const deadline = Date.now() + 20_000;
        while ((await expectedProgress(runId)).length <= progress.length && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
        missedWhileAway = (await expectedProgress(runId)).length - progress.length;
      }
      if (init?.method === "GET" && !drop && !headers.get("last-event-id")) {
        drop = new AbortController();
        return fetch(input, { ...init, signal: drop.signal });
      }
      return fetch(input, init);
    };
    const { client, progress } = await connect(url, ownerToken, { fetch: cuttingFetch });
    const run = await client.callTool({ name: "run_task", arguments: { projectId, prompt: "Write add(a, b) in calc.py while the network flaps" } });
    runId = structured(run).runId as string;
    await until(() => progress.length >= 2, 30_000, "two notifications");
    drop!.abort();
    await until(() => progress.some((p) => p.kind === "finished"), 90_000, "the finished notification");

    expect(resumedFrom.length).toBeGreaterThan(0);
    expect(missedWhileAway).toBeGreaterThan(0);
    expect((await waitForRunEnd(runId)).status).toBe("SUCCEEDED");
    const expected = await expectedProgress(runId);
    expect(progress.map((p) => p.seq)).toEqual(expected.map((p) => p.seq));
    await client.close();
  });

  it("resumes a dropped wait_for_run the same way: every progress notification once, then the result", async () => {
    testRunner.llm.script("coder", { text: "```python\ndef add(a, b):\n    return a + b\n```", latencyMs: 1500 });
    let waitCall: AbortController | undefined;
    const resumes: string[] = [];
    // The POST that carries wait_for_run (its progress and its answer stream back on it) is cut mid-wait.
    const cuttingFetch: typeof fetch = async (input, init) => {
      const headers = new Headers(init?.headers);
      if (init?.method === "GET" && headers.get("last-event-id")) resumes.push(headers.get("last-event-id")!);
      if (init?.method === "POST" && typeof init.body === "string" && init.body.includes('"wait_for_run"')) {
        waitCall = new AbortController();
        return fetch(input, { ...init, signal: waitCall.signal });
      }
      return fetch(input, init);
    };
    const { client } = await connect(url, ownerToken, { fetch: cuttingFetch });
    const run = await client.callTool({ name: "run_task", arguments: { projectId, prompt: "Write add(a, b) in calc.py while waiting on a bad line" } });
    const runId = structured(run).runId as string;
    const progressed: Array<{ progress: number; message?: string }> = [];
    const waited = client.callTool({ name: "wait_for_run", arguments: { runId, timeoutSeconds: 120 } }, undefined, {
      timeout: 130_000,
      onprogress: (p) => {
        progressed.push(p);
        if (progressed.length === 2) waitCall!.abort();
      },
    });
    expect(text(await waited).split("\n")[0]).toMatch(/^Verified by execution: /);
    expect(resumes.length).toBeGreaterThan(0);
    expect(progressed.length).toBeGreaterThan(2);
    expect(progressed.map((p) => p.progress)).toEqual(progressed.map((_, i) => i + 1));
    expect(progressed.at(-1)!.message).toMatch(/^Finished: succeeded/);
    await client.close();
  });

  it("serves stdio clients through the autocodeai-mcp bin, with the server's errors", async () => {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [path.join(root, "bin/autocodeai-mcp.mjs"), "--url", url.replace(/\/mcp$/, "")],
      env: { ...process.env, AUTOCODEAI_TOKEN: ownerToken } as Record<string, string>,
      stderr: "pipe",
    });
    const client = new Client({ name: "mcp-stdio-test", version: "1.0.0" });
    await client.connect(transport);
    const progress: ProgressItem[] = [];
    client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => void progress.push(n.params.data as ProgressItem));
    expect((await client.listTools()).tools).toHaveLength(8);
    const run = await client.callTool({ name: "run_task", arguments: { projectId, prompt: "Write add(a, b) in calc.py over stdio" } });
    const runId = structured(run).runId as string;
    const waited = await client.callTool({ name: "wait_for_run", arguments: { runId, timeoutSeconds: 120 } }, undefined, { timeout: 130_000 });
    expect(text(waited)).toMatch(/^Verified by execution: /);
    await until(() => progress.some((p) => p.kind === "finished"), 10_000, "the finished notification over stdio");
    expect(progress.map((p) => p.seq)).toEqual((await expectedProgress(runId)).map((p) => p.seq));

    // The server forgets every session (as a restart does): the proxy opens a new one and the call goes through.
    await mcp.close();
    expect(mcp.sessionCount()).toBe(0);
    const after = await client.callTool({ name: "list_projects", arguments: {} });
    expect(structured(after).projects).toContainEqual(expect.objectContaining({ id: projectId }));
    expect(mcp.sessionCount()).toBe(1);
    await client.close();

    const refused = new Client({ name: "mcp-stdio-test", version: "1.0.0" });
    const badTransport = new StdioClientTransport({ command: process.execPath, args: [path.join(root, "bin/autocodeai-mcp.mjs"), "--url", url, "--token", "acai_wrong"], stderr: "pipe" });
    await expect(refused.connect(badTransport)).rejects.toThrow(/unknown or revoked/);
    await refused.close();
  });
});
