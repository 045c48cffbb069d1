import { expect, test, type Page } from "@playwright/test";
import { expectHydrated } from "./hydration";
import { createProject, script, signUp, startTask } from "./run-helpers";

async function setScript(page: Page, setup: string) {
  const edit = page.getByRole("button", { name: "Edit settings" });
  await expectHydrated(edit);
  await edit.click();
  await page.getByLabel("Language").selectOption("python");
  await page.getByLabel("Setup script").fill(setup);
  // The project page has other forms with a Save button (the remote, webhooks): this one is the environment's.
  const panel = page.locator("section[aria-labelledby=environment-heading]");
  await panel.getByRole("button", { name: "Save" }).click();
  await expect(panel.getByRole("button", { name: "Save" })).toHaveCount(0);
}

test.describe.configure({ timeout: 240_000 });

test("the environment panel shows a build live, then ready; a failed setup with its log; runs show the baseline groups", async ({ page, request }) => {
  await signUp(page, "Env Watcher", "env", "watch-envs-2026");
  await createProject(page, "env-panel");
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
  await startTask(page, "Write add(a, b) in calc.py with tests");
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
