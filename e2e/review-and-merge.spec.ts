import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { FAKE_LLM_PORT } from "../playwright.config";

const CONTROL = `http://127.0.0.1:${FAKE_LLM_PORT}/control/script`;
const BUGGY = "File: calc.py\n```python\ndef add(a, b):\n    return a - b\n```\n";
const ASSERT_TRUE = "The test expects the wrong sum.\nFile: test_calc.py\n```python\ndef test_add():\n    assert True\n```\n";

async function script(request: APIRequestContext, role: string, ...responses: unknown[]) {
  expect((await request.post(CONTROL, { data: { role, responses } })).ok()).toBe(true);
}

async function signUpWithProject(page: Page, name: string) {
  await page.goto("/sign-up");
  await page.getByLabel("Name").fill("Reviewer");
  await page.getByLabel("Email").fill(`reviewer-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.test`);
  await page.getByLabel("Password").fill("review-runs-2026");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(/\/projects$/);
  await page.getByRole("button", { name: "New project" }).first().click();
  await page.getByLabel("Name", { exact: true }).fill(name);
  await page.getByRole("button", { name: "Create project" }).click();
  await expect(page.getByRole("heading", { name })).toBeVisible();
}

async function startTask(page: Page, prompt: string) {
  await page.getByLabel("Task", { exact: true }).fill(prompt);
  await page.getByRole("button", { name: "Start task" }).click();
  await expect(page).toHaveURL(/\/runs\/[\w-]+$/);
}

test.describe.configure({ timeout: 180_000 });

test("a run that passes only because the debugger rewrote its test is amber on the run page, the history and the share page, with the diff and reason", async ({ page, browser, request }) => {
  await signUpWithProject(page, "graded");
  await script(request, "coder", BUGGY);
  await script(request, "debugger", ASSERT_TRUE);
  await startTask(page, "Write add(a, b) in calc.py with tests");
  await expect(page.getByTestId("run-status").first()).toHaveAttribute("data-status", "NEEDS_REVIEW", { timeout: 120_000 });
  await expect(page.getByTestId("run-status").first()).toHaveText("Needs review");
  await expect(page.getByTestId("verification")).toHaveAttribute("data-outcome", "verified_with_changed_tests");
  const change = page.getByTestId("review-test-change");
  await expect(change).toContainText("test_calc.py");
  await expect(change).toContainText("The test expects the wrong sum.");
  await expect(change).toContainText("+    assert True");
  // Not verified: merging is not the main action and needs a confirmation that says why.
  await expect(page.getByRole("button", { name: /^Merge into/ })).toHaveCount(0);

  await page.getByRole("button", { name: "Create share link" }).click();
  const shareUrl = await page.getByTestId("share-url").getAttribute("href");
  const guest = await browser.newContext();
  const guestPage = await guest.newPage();
  await guestPage.goto(shareUrl!);
  await expect(guestPage.getByTestId("run-status").first()).toHaveAttribute("data-status", "NEEDS_REVIEW", { timeout: 30_000 });
  await expect(guestPage.getByTestId("review-test-change")).toContainText("+    assert True");
  await guest.close();

  await page.getByRole("link", { name: "graded" }).click();
  await expect(page.getByRole("list", { name: "Runs" }).getByTestId("run-status").first()).toHaveAttribute("data-status", "NEEDS_REVIEW");
});

test("a failed run merges only after a confirmation naming what is not verified, and shows as merged after a reload", async ({ page, request }) => {
  await signUpWithProject(page, "unverified");
  await script(request, "coder", BUGGY);
  await script(request, "debugger", BUGGY, BUGGY, BUGGY, BUGGY, BUGGY, BUGGY);
  await startTask(page, "Write add(a, b) in calc.py, it will fail");
  await expect(page.getByTestId("run-status").first()).toHaveAttribute("data-status", "FAILED", { timeout: 120_000 });
  await expect(page.getByRole("button", { name: /^Merge into/ })).toHaveCount(0);
  await page.getByTestId("merge-unverified").click();
  const dialog = page.getByTestId("merge-confirmation");
  await expect(dialog).toContainText("This run is not verified: the run failed");
  await dialog.getByRole("button", { name: /without verification/ }).click();
  await expect(page.getByText(/Merged into main/)).toBeVisible();
  await page.reload();
  await expect(page.getByText(/Merged into main \(commit [0-9a-f]{10}\), confirmed although not verified/)).toBeVisible();
  await expect(page.getByTestId("merge-unverified")).toHaveCount(0);
});
