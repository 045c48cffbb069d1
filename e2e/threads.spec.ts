import { expect, test } from "@playwright/test";
import { createProject, openShareLink, script, signUp, startTask } from "./run-helpers";
import { expectHydrated } from "./hydration";

test.describe.configure({ timeout: 240_000 });

test("a two-turn thread: the title follows the run to its end, a follow-up continues it, the share link shows both turns", async ({ page, browser, request }, testInfo) => {
  await signUp(page, "Thread Writer", "thread", "follow-up-2026");
  await createProject(page, "threads");

  // A slow coder keeps the first turn running long enough to see the title while it runs.
  const body = ["def add(a, b):", ...Array.from({ length: 10 }, (_, i) => `    # line ${i + 1}`), "    return a + b", ""].join("\n");
  await script(request, "coder", { text: `File: calc.py\n\`\`\`python\n${body}\`\`\`\n`, chunkDelayMs: 150, chunkSize: 6 });
  await startTask(page, "Write add(a, b) in calc.py with tests");
  const firstUrl = page.url();
  await expect(page).toHaveTitle(/Running|Queued/);
  await expect(page).toHaveTitle(/Succeeded · Write add\(a, b\)/, { timeout: 120_000 });

  // Turn 2: the follow-up box under the finished run.
  await script(request, "planner", JSON.stringify({ steps: [{ id: "s1", agent: "coder", description: "Write add(a, b) in more.py", file: "more.py" }] }));
  await page.getByLabel("Follow up on this run").fill("Now also add more.py with the same add");
  await page.getByRole("button", { name: "Send follow-up" }).click();
  await expect(page).not.toHaveURL(firstUrl);
  await expect(page).toHaveTitle(/Succeeded · Now also add more\.py/, { timeout: 120_000 });
  const turns = page.getByTestId("thread-turn");
  await expect(turns).toHaveCount(2);
  await expect(turns.nth(0)).toContainText("Turn 1");
  await expect(turns.nth(0).locator("details").first()).not.toHaveAttribute("open", "");
  await expect(turns.nth(1).locator("details").first()).toHaveAttribute("open", "");
  await expect(page.getByText("more.py").first()).toBeVisible();
  // The earlier turn unfolds to its own plan and diff, inline.
  await turns.nth(0).locator("summary").first().click();
  await expect(turns.nth(0).getByRole("region", { name: "Plan of turn 1" })).toBeVisible();
  await expect(turns.nth(0).getByRole("region", { name: "Checks of turn 1" })).toContainText(/Tests: [1-9]\d* of [1-9]\d* passed/);
  await expect(turns.nth(0).getByRole("region", { name: "Checks of turn 1" })).toContainText("exit code 0");
  const firstChanges = turns.nth(0).getByRole("region", { name: "Changes of turn 1" });
  await expect(firstChanges).toContainText("calc.py");
  await expect(firstChanges).toContainText("return a + b");
  await expect(firstChanges).not.toContainText("more.py");
  // Its agents' output is there too, folded until asked for.
  const firstOutput = turns.nth(0).getByRole("group", { name: "Agents' output of turn 1" });
  await expect(firstOutput).not.toHaveAttribute("open", "");
  await expect(firstOutput.getByTestId("turn-output-pane")).toHaveCount(0);
  await expectHydrated(firstOutput);
  await firstOutput.locator("summary").click();
  await expect(firstOutput.getByLabel(/Turn 1, coder output of step s1/)).toContainText("# line 10");
  await expect(firstOutput.getByLabel(/Turn 1, planner output/)).toContainText("calc.py");
  await expect(firstOutput).not.toContainText("more.py");
  await page.screenshot({ path: testInfo.outputPath("thread-two-turns.png"), fullPage: true });

  // The first turn now points at the latest one instead of offering a fork.
  await page.goto(firstUrl);
  await expect(page.getByRole("link", { name: "Go to the latest turn" })).toBeVisible();
  await page.goBack();

  // One share link shows the whole thread.
  const { guest, guestPage } = await openShareLink(page, browser);
  await expect(guestPage.getByTestId("thread-turn")).toHaveCount(2);
  await expect(guestPage.getByTestId("thread-turn").nth(0)).toContainText("Write add(a, b) in calc.py with tests");
  await expect(guestPage.getByTestId("thread-turn").nth(0).getByRole("region", { name: "Changes of turn 1", includeHidden: true })).toContainText("calc.py");
  const guestTurn = guestPage.getByTestId("thread-turn").nth(0);
  await expectHydrated(guestTurn.locator("summary").first());
  await guestTurn.locator("summary").first().click();
  const guestOutput = guestTurn.getByRole("group", { name: "Agents' output of turn 1" });
  await expectHydrated(guestOutput);
  await guestOutput.locator("summary").click();
  await expect(guestOutput.getByLabel(/Turn 1, coder output of step s1/)).toContainText("return a + b");
  await guest.close();

  // Re-run with an edited prompt.
  await page.getByRole("button", { name: "Edit and re-run" }).click();
  await page.getByLabel("Prompt for the new run").fill("Write add(a, b) in calc.py, edited");
  await page.getByRole("button", { name: "Re-run with this prompt" }).click();
  await expect(page.getByRole("heading", { name: "Write add(a, b) in calc.py, edited" })).toBeVisible();
});
