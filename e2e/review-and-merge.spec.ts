import { expect, test, type Page } from "@playwright/test";
import { createProject, openShareLink, script, signUp, startTask } from "./run-helpers";

const BUGGY = "File: calc.py\n```python\ndef add(a, b):\n    return a - b\n```\n";
const ASSERT_TRUE = "The test expects the wrong sum.\nFile: test_calc.py\n```python\ndef test_add():\n    assert True\n```\n";

async function signUpWithProject(page: Page, name: string) {
  await signUp(page, "Reviewer", "reviewer", "review-runs-2026");
  await createProject(page, name);
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

  const { guest, guestPage } = await openShareLink(page, browser);
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
