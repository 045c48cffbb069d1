import { expect, test } from "@playwright/test";
import { createProject, signUp, startTask } from "./run-helpers";

test.describe.configure({ timeout: 240_000 });

test("Re-verify re-runs a finished run's branch in a fresh container, shows progress, appends each record, and keeps them after a reload", async ({ page }) => {
  await signUp(page, "Reviewer", "reverifier", "review-runs-2026");
  await createProject(page, "reverified");
  await startTask(page, "Write add(a, b) in calc.py with tests");
  await expect(page.getByTestId("run-status").first()).toHaveAttribute("data-status", "SUCCEEDED", { timeout: 150_000 });

  const panel = page.getByTestId("reverify-panel");
  await expect(panel.getByTestId("reverification")).toHaveCount(0);
  await panel.getByRole("button", { name: "Re-verify", exact: true }).click();
  await expect(panel.getByRole("button", { name: "Re-verifying…" })).toBeVisible();
  await expect(panel.getByRole("status")).toContainText("fresh container");
  await expect(panel.getByTestId("reverification")).toHaveCount(1, { timeout: 60_000 });
  await expect(panel.getByTestId("reverification").first()).toHaveAttribute("data-passed", "true");
  await expect(panel.getByTestId("reverification").first()).toContainText(/commit [0-9a-f]{10} \(tree [0-9a-f]{10}\) in container [0-9a-f]{12}/);

  await panel.getByRole("button", { name: "Re-verify", exact: true }).click();
  await expect(panel.getByTestId("reverification")).toHaveCount(2, { timeout: 60_000 });
  // Earlier records stay, and the records come from the run's log: a reload shows both.
  await page.reload();
  await expect(page.getByTestId("reverify-panel").getByTestId("reverification")).toHaveCount(2);
  await expect(page.getByTestId("reverify-panel").getByTestId("reverification").nth(1)).toHaveAttribute("data-passed", "true");
});
