import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { expect, test } from "@playwright/test";
import { createProject, signUp } from "./run-helpers";

test.describe.configure({ timeout: 180_000 });

test("a coding agent hands a task to the running app over MCP and gets verified work back", async ({ page, baseURL }) => {
  await signUp(page, "Agent Owner", "mcp", "agents-welcome-2026");
  await createProject(page, "mcp-calculator");

  await page.goto("/settings");
  await page.getByLabel("Token name").fill("my agent");
  await page.getByRole("button", { name: "Create token" }).click();
  const token = (await page.getByTestId("new-token").textContent())!.trim();

  // The production server (server.ts) serves /mcp beside Next.js on the same port.
  const client = new Client({ name: "e2e-agent", version: "1.0.0" });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${baseURL}/mcp`), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
  const listed = await client.callTool({ name: "list_projects", arguments: {} });
  const project = (listed.structuredContent as { projects: Array<{ id: string; name: string }> }).projects.find((p) => p.name === "mcp-calculator")!;
  const started = await client.callTool({ name: "run_task", arguments: { projectId: project.id, prompt: "Write add(a, b) in calc.py with tests" } });
  const runId = (started.structuredContent as { runId: string }).runId;
  const waited = await client.callTool({ name: "wait_for_run", arguments: { runId, timeoutSeconds: 120 } }, undefined, { timeout: 130_000 });
  const text = (waited.content as Array<{ text: string }>)[0]!.text;
  expect(text.split("\n")[0]).toMatch(/^Verified by execution: \d+ tests? passed, 0 regressions\.$/);
  expect(text).toContain("def add(a, b)");
  await client.close();

  // The same run, in the app.
  await page.goto(`/runs/${runId}`);
  await expect(page.getByText("Write add(a, b) in calc.py with tests").first()).toBeVisible();
});
