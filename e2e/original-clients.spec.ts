import { readFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { expect, test, type Page } from "@playwright/test";
import { createTRPCClient, httpBatchLink, httpSubscriptionLink, splitLink } from "@trpc/client";
import superjson from "superjson";
import type { AppRouter } from "@/server/api/root";
import { LegacyChunker } from "@/server/legacy/legacy-chunks";
import type { StoredEvent } from "@/server/runs/events/contract";
import { FetchEventSource } from "../examples/fetch-event-source";
import { originalClient } from "./compat/original-node-client";
import { createProject, signUp } from "./run-helpers";

// Clients that behave as the original AutoCodeAI's (written afresh from its README), pointed only at a client URL.
test.describe.configure({ timeout: 480_000 });

const TASK = "Write add(a, b) in calc.py with tests";

/** The run's text as its stored record gives it: the events, through the same chunker, read over tRPC. */
async function storedText(baseURL: string, apiToken: string, runId: string): Promise<string> {
  const url = `${baseURL}/api/trpc`;
  const headers = { authorization: `Bearer ${apiToken}` };
  const client = createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === "subscription",
        true: httpSubscriptionLink({ url, transformer: superjson, EventSource: FetchEventSource, eventSourceOptions: { headers } }),
        false: httpBatchLink({ url, transformer: superjson, headers }),
      }),
    ],
  });
  const chunker = new LegacyChunker();
  let text = `🚀 Run ${runId} queued\n`;
  return new Promise((resolve, reject) => {
    const subscription = client.run.events.subscribe(
      { runId },
      {
        onData(tracked) {
          const event = ("data" in tracked ? tracked.data : tracked) as StoredEvent;
          for (const chunk of chunker.chunksFor(event)) text += chunk;
          if (event.type === "run.finished") {
            subscription.unsubscribe();
            resolve(text);
          }
        },
        onError: reject,
      },
    );
  });
}

const runIdOf = (firstChunk: string) => /Run (\S+) queued/.exec(firstChunk)?.[1] ?? "";

async function setUp(page: Page): Promise<{ clientUrl: string; apiToken: string }> {
  await signUp(page, "Original Client User", "compat", "old-clients-2026");
  await createProject(page, "compat-calculator");
  const projectUrl = page.url();

  await expect(page.getByText("A URL can end up in server, proxy and browser logs")).toBeVisible();
  await page.getByLabel("Client URL name").fill("opencode plugin");
  await page.getByRole("button", { name: "Make client URL" }).click();
  const clientUrl = (await page.getByTestId("new-client-url").textContent())!.trim();
  expect(clientUrl).toMatch(/^http:\/\/localhost:\d+\/c\/acc_[\w-]+$/);
  await expect(page.getByTestId("client-url-last-used")).toHaveText("never");

  // Only to read the runs' stored record for the comparison; the clients never see it.
  await page.goto("/settings");
  await page.getByLabel("Token name").fill("compat test reader");
  await page.getByRole("button", { name: "Create token" }).click();
  const apiToken = (await page.getByTestId("new-token").textContent())!.trim();
  await page.goto(projectUrl);
  return { clientUrl, apiToken };
}

test("the original clients work against a client URL: a Node client that knows only the base URL, and a browser page on another origin", async ({ page, context, baseURL }) => {
  const { clientUrl, apiToken } = await setUp(page);
  const client = originalClient(clientUrl);

  // GET /health and POST /api/agent/run, in the README's shapes.
  const health = await client.health();
  expect(health.status).toBe(200);
  expect(health.json).toMatchObject({ status: "ok", version: expect.any(String) });
  const run = await client.run(TASK, ["not_there.py"]);
  expect(run.status).toBe(200);
  const results = run.json.results as Array<{ step: unknown; output: unknown; type: unknown }>;
  for (const result of results) expect(result).toMatchObject({ step: expect.any(String), output: expect.any(String), type: expect.stringMatching(/^(code|test|tool|review|error)$/) });
  expect(results.map((r) => r.type)).toEqual(expect.arrayContaining(["code", "test", "review"]));
  expect(results.at(-1)).toMatchObject({ step: "Critic review", type: "review", output: expect.stringMatching(/^PASS/) });
  expect(run.json.warnings).toEqual([expect.stringContaining("not_there.py")]);

  // POST /api/agent/run_parallel: one result per step, never null; planner and critic steps answered.
  const parallel = await client.runParallel([
    { agent: "coder", description: "Write add(a, b)", file: "calc.py" },
    { agent: "planner", description: "Plan a calculator module with tests" },
    { agent: "critic", description: "Review the calculator" },
  ]);
  expect(parallel.status).toBe(200);
  const [code, plan, verdict] = parallel.json.results as [unknown, { steps: unknown[] }, { verdict: string }];
  expect(parallel.json.results).toHaveLength(3);
  expect(code).toEqual(expect.stringContaining("def add(a, b)"));
  expect(plan.steps.length).toBeGreaterThan(0);
  expect(verdict.verdict).toBe("PASS");
  expect((await client.plan("Plan add(a, b)")).json.results).toEqual([expect.objectContaining({ steps: expect.any(Array) })]);
  expect((await client.critic(["calc.py"])).json.results).toEqual([expect.objectContaining({ verdict: "PASS" })]);

  // POST /api/agent/stream: decoded `↵`, the decoded text is exactly the run's stored text.
  const chunks = await client.stream("Write add(a, b) in calc.py, streamed to an old client");
  const runId = runIdOf(chunks[0]!);
  expect(chunks.at(-1)).toMatch(/^✅ Done\./);
  expect(chunks.join("")).toBe(await storedText(baseURL!, apiToken, runId));
  expect(chunks.join("")).toContain("def add(a, b):\n");

  // WS /api/ws: two tasks on one socket, one __DONE__ each, each text the run's stored text.
  const perTask = await client.socket(["Write add(a, b) in calc.py, first over the socket", "Write add(a, b) in calc.py, second over the socket"]);
  expect(perTask).toHaveLength(2);
  for (const messages of perTask) {
    expect(messages.filter((m) => m === "__DONE__")).toHaveLength(1);
    expect(messages.at(-1)).toBe("__DONE__");
    const text = messages.slice(0, -1).join("");
    expect(text).toBe(await storedText(baseURL!, apiToken, runIdOf(messages[0]!)));
  }

  // A browser page served from another origin, with the original's fetch + ReadableStream and AgentSocket.
  const html = readFileSync(path.join(import.meta.dirname, "compat", "original-client.html"), "utf8");
  const other = http.createServer((_req, res) => res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(html));
  await new Promise<void>((resolve) => other.listen(0, "127.0.0.1", resolve));
  try {
    const otherOrigin = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
    const browserPage = await context.newPage();
    await browserPage.goto(`${otherOrigin}/`);
    const streamed = await browserPage.evaluate(([base, task]) => (window as unknown as { compat: { stream(b: string, t: string): Promise<string[]> } }).compat.stream(base!, task!), [clientUrl, "Write add(a, b) in calc.py from a browser"]);
    expect(streamed.at(-1)).toBe("<done>");
    const browserText = streamed.slice(0, -1).join("");
    expect(browserText).toBe(await storedText(baseURL!, apiToken, runIdOf(streamed[0]!)));
    const socket = await browserPage.evaluate(
      ([base]) => (window as unknown as { compat: { socket(b: string, t: string[]): Promise<{ texts: string[]; done: number }> } }).compat.socket(base!, ["Write add(a, b) in calc.py, browser socket one", "Write add(a, b) in calc.py, browser socket two"]),
      [clientUrl],
    );
    expect(socket.done).toBe(2);
    for (const text of socket.texts) {
      expect(text).toMatch(/✅ Done\./);
      expect(text).toBe(await storedText(baseURL!, apiToken, runIdOf(text)));
    }
    await browserPage.screenshot({ path: test.info().outputPath("original-browser-client.png") });
  } finally {
    await new Promise((resolve) => other.close(resolve));
  }

  // The project page lists the URL's last use, and revoking it stops it at once.
  await page.reload();
  await expect(page.getByTestId("client-url-last-used")).not.toHaveText("never");
  await page.getByRole("button", { name: "Revoke" }).click();
  await expect(page.getByTestId("client-url-row")).toContainText("revoked");
  expect((await client.health()).status).toBe(401);
});
