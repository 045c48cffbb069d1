import { expect, test } from "@playwright/test";
import { startFakeForge, type FakeForge } from "../tests/fixtures/fake-forge-api";
import { startGitHttpRemote, type GitHttpRemote } from "../tests/fixtures/git-http-remote";
import { extraServers, SHARED_DATABASE, SUITE_PORT } from "./extra-servers";
import { expectHydrated } from "./hydration";
import { createProject, script, signUp, startTask } from "./run-helpers";

// The remote and the forge API listen on loopback: a server that allows private addresses (one setting only a process has).
const PRIVATE_OK_PORT = SUITE_PORT + 9;
const TOKEN = "ghp_e2e_token_0123456789";
const servers = extraServers();
let remote: GitHttpRemote;
let forge: FakeForge;

test.beforeAll(async () => {
  remote = await startGitHttpRemote({ token: TOKEN });
  forge = await startFakeForge({ token: TOKEN });
});
test.afterAll(async () => {
  await servers.stopAll();
  await Promise.all([remote?.close(), forge?.close()]);
});

test("a verified run: set the remote (token write-only), push the branch, open a pull request, follow its state; a revoked token says what to do", async ({ browser, request }, testInfo) => {
  test.setTimeout(300_000);
  const base = await servers.start(PRIVATE_OK_PORT, { DATABASE_URL: SHARED_DATABASE, DATA_DIR: ".data/e2e", SIGNUP: "open", ALLOW_PRIVATE_ADDRESSES: "true", AUTH_URL: `http://localhost:${PRIVATE_OK_PORT}` });
  // The suite's server runs the task (the extra one has no worker); the session cookie holds on both ports.
  const context = await browser.newContext();
  const page = await context.newPage();
  await signUp(page, "Pusher", "push", "push-and-pr-2026");
  await createProject(page, "shop");
  const projectPath = new URL(page.url()).pathname;
  await startTask(page, "Write add(a, b) in calc.py with tests");
  const runPath = new URL(page.url()).pathname;
  await expect(page.getByTestId("run-status")).toHaveAttribute("data-status", "SUCCEEDED", { timeout: 180_000 });

  // The remote (on loopback) is set where private addresses are allowed; the token is write-only.
  await page.goto(`${base}${projectPath}`);
  const form = page.getByRole("form", { name: "Remote" });
  await form.getByLabel("Repository URL").fill(remote.url);
  await form.getByLabel("API base URL (optional)").fill(`${forge.origin}/api/v3`);
  await form.getByLabel("Token").fill(TOKEN);
  await form.getByRole("button", { name: "Save remote" }).click();
  await expect(page.getByTestId("remote-status")).toHaveText("Pushes to acme/shop · token set");
  await page.reload();
  await expect(page.getByRole("form", { name: "Remote" }).getByLabel("Token")).toHaveValue("");
  expect(await page.content()).not.toContain(TOKEN);

  await page.goto(`${base}${runPath}`);
  await page.getByRole("button", { name: "Push branch" }).click();
  await expect(page.getByText(/Pushed autocode\/run-\w+ \([0-9a-f]{10}\) to /)).toBeVisible();
  await page.getByRole("button", { name: "Open pull request" }).click();
  await expect(page.getByTestId("pull-request-link")).toHaveText("#1");
  await expect(page.getByTestId("pull-request-state")).toHaveAttribute("data-state", "open");
  await expect(page.getByRole("button", { name: "Open pull request" })).toHaveCount(0);
  await page.screenshot({ path: testInfo.outputPath("pull-request-open.png"), fullPage: true });
  const created = forge.requests.find((r) => r.method === "POST")!;
  expect(String(created.body?.body)).toContain(`http://localhost:${PRIVATE_OK_PORT}/share/acsh_`);

  // A follow-up turn: its page offers to update the thread's open request, and doing so opens no second one.
  await script(request, "planner", JSON.stringify({ steps: [{ id: "s1", agent: "coder", description: "Write add(a, b) in more.py", file: "more.py" }] }));
  const followUp = page.getByLabel("Follow up on this run");
  await expectHydrated(followUp);
  await followUp.fill("Now also add more.py with the same add");
  await page.getByRole("button", { name: "Send follow-up" }).click();
  await expect(page).not.toHaveURL(`${base}${runPath}`);
  await expect(page).toHaveTitle(/Succeeded · Now also add more\.py/, { timeout: 180_000 });
  await expect(page.getByText("opened on an earlier turn")).toBeVisible();
  const update = page.getByRole("button", { name: "Update pull request #1" });
  await expectHydrated(update);
  await update.click();
  await expect(page.getByText("opened on an earlier turn")).toHaveCount(0);
  await expect(page.getByTestId("pull-request-link")).toHaveText("#1");
  await expect(page.getByRole("button", { name: /Open pull request|Update pull request/ })).toHaveCount(0);
  expect(forge.requests.filter((r) => r.method === "POST" && r.path.endsWith("/pulls"))).toHaveLength(1);
  expect(String(forge.requests.find((r) => r.method === "PATCH")?.body?.body)).toContain("Now also add more.py");
  await page.goto(`${base}${runPath}`);

  forge.setState(1, "merged");
  await page.getByRole("button", { name: "Refresh state" }).click();
  await expect(page.getByTestId("pull-request-state")).toHaveAttribute("data-state", "merged");
  await page.reload();
  await expect(page.getByTestId("pull-request-state")).toHaveAttribute("data-state", "merged");

  remote.token = "rotated";
  await page.getByRole("button", { name: "Push branch" }).click();
  // Other alerts can be on the page (Next's route announcer, the model banner): the push's is the one naming the token.
  const refused = page.getByRole("alert").filter({ hasText: "refused the project's token" });
  await expect(refused).toContainText("set a new token under Remote on the project page");
  await context.close();
});
