import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { FAKE_LLM_PORT } from "../playwright.config";

const CONTROL = `http://127.0.0.1:${FAKE_LLM_PORT}/control/script`;

async function script(request: APIRequestContext, role: string, ...responses: unknown[]) {
  const answer = await request.post(CONTROL, { data: { role, responses } });
  expect(answer.ok()).toBe(true);
}

async function signUpWithProject(page: Page, name: string) {
  await page.goto("/sign-up");
  await page.getByLabel("Name").fill("Env Watcher");
  await page.getByLabel("Email").fill(`env-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.test`);
  await page.getByLabel("Password").fill("watch-envs-2026");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(/\/projects$/);
  await page.getByRole("button", { name: "New project" }).first().click();
  await page.getByLabel("Name", { exact: true }).fill(name);
  await page.getByRole("button", { name: "Create project" }).click();
  await expect(page.getByRole("heading", { name })).toBeVisible();
}

async function setScript(page: Page, setup: string) {
  await page.getByRole("button", { name: "Edit settings" }).click();
  await page.getByLabel("Language").selectOption("python");
  await page.getByLabel("Setup script").fill(setup);
  // The project page has other forms with a Save button (the remote, webhooks): this one is the environment's.
  const panel = page.locator("section[aria-labelledby=environment-heading]");
  await panel.getByRole("button", { name: "Save" }).click();
  await expect(panel.getByRole("button", { name: "Save" })).toHaveCount(0);
}

test.describe.configure({ timeout: 240_000 });

test("the environment panel shows a build live, then ready; a failed setup with its log; runs show the baseline groups", async ({ page, request }) => {
  await signUpWithProject(page, "env-panel");
  const state = page.getByTestId("environment-state");
  await expect(state).toHaveText(/Not built yet/);

  await setScript(page, "echo installing the first half\nsleep 4\necho installing the second half");
  await page.getByRole("button", { name: "Rebuild" }).click();
  await expect(state).toHaveText("Building…");
  await expect(page.getByTestId("environment-log")).toContainText("installing the first half");
  await expect(state).toHaveText("Ready", { timeout: 60_000 });
  await expect(page.getByTestId("environment-log")).toContainText("installing the second half");
  await expect(page.getByTestId("environment-facts")).toContainText("rebuilt from the project page");

  // A run in this environment: the repository's suite is compared with the base commit's.
  await script(request, "planner", JSON.stringify({ steps: [{ id: "s1", agent: "coder", description: "Write add", file: "calc.py", depends_on: [] }] }));
  await page.getByLabel("Task", { exact: true }).fill("Write add(a, b) in calc.py with tests");
  await page.getByRole("button", { name: "Start task" }).click();
  await expect(page).toHaveURL(/\/runs\/[\w-]+$/);
  await expect(page.getByTestId("run-environment")).toContainText("Python environment", { timeout: 60_000 });
  await expect(page.getByTestId("baseline-new-tests")).toContainText("test_add", { timeout: 120_000 });
  await expect(page.getByTestId("baseline-regressions")).toContainText("Regressions (0)");
  await expect(page.getByTestId("baseline-already-failing")).toContainText("Already failing (0)");
  await expect(page.getByTestId("verification")).toHaveAttribute("data-outcome", "verified");

  await page.goBack();
  await expect(page.getByRole("heading", { name: "env-panel" })).toBeVisible();
  await setScript(page, "echo about to fail\nexit 4");
  await page.getByRole("button", { name: "Rebuild" }).click();
  await expect(state).toHaveText("Failed", { timeout: 60_000 });
  await expect(page.getByTestId("environment-error")).toContainText("the setup failed (exit code 4) at: exit 4");
  await expect(page.getByTestId("environment-log")).toContainText("about to fail");
});
