import { expect, test } from "@playwright/test";
import { expectHydrated } from "./hydration";
import { createProject, openShareLink, signUp, startTask } from "./run-helpers";

// The project's own test command: a coloured line, a long pause, then the real suite. While it sleeps, the
// Running pane must already show the first line; the pause is long so that a loaded machine still sees it live.
const PAUSE_S = 25;
const TEST_COMMAND = [
  "printf '\\033[32mslow suite: first half\\033[0m\\n'",
  `sleep ${PAUSE_S}`,
  "echo 'slow suite: second half'",
  "python3 -m pytest -v -p no:cacheprovider -o junit_family=xunit1 --junitxml={report}",
].join("; ");

test.describe.configure({ timeout: 300_000 });

test("the Running pane streams a slow test command's output, in colour, while it runs; a share link browses the branch's files", async ({ page, browser }, testInfo) => {
  await signUp(page, "Pane Watcher", "pane", "watch-panes-2026");
  await createProject(page, "slow-suite");

  const editSettings = page.getByRole("button", { name: "Edit settings" });
  await expectHydrated(editSettings);
  await editSettings.click();
  // A Python project (an empty repository is detected as none, which runs plain pytest); no setup script, so no image build.
  await page.getByLabel("Language").selectOption("python");
  await page.getByLabel("Test command").fill(TEST_COMMAND);
  const panel = page.locator("section[aria-labelledby=environment-heading]");
  await panel.getByRole("button", { name: "Save" }).click();
  await expect(panel.getByRole("button", { name: "Save" })).toHaveCount(0);
  await expect(panel).toContainText("slow suite: first half");

  // The fake model's default plan, code and tests (calc.py): only the test command is slow.
  await startTask(page, "Write add(a, b) in calc.py with tests");

  const live = page.getByTestId("live-output");
  // The pane's terminal (its header shows the command line, which names both halves).
  const output = live.locator("pre");
  await expect(output).toContainText("slow suite: first half", { timeout: 120_000 });
  // Still running: the command has not printed its second half, and the run has not finished.
  await expect(output).not.toContainText("slow suite: second half");
  await expect(page.getByTestId("run-status").first()).toHaveAttribute("data-status", "RUNNING");
  await expect(live).toContainText(/python3 -m pytest/);
  // ANSI colours rendered as a style, the escape codes themselves not shown.
  await expect(output.locator("span.text-emerald-400", { hasText: "slow suite: first half" })).toBeVisible();
  expect(await output.textContent()).not.toContain("[32m");
  await page.screenshot({ path: testInfo.outputPath("running-pane.png"), fullPage: true });

  // The command's record replaces the pane when it ends, with all of its output.
  await expect(page.getByTestId("run-status").first()).toHaveAttribute("data-status", /SUCCEEDED|NEEDS_REVIEW/, { timeout: 200_000 });
  await expect(live).toHaveCount(0);
  const commands = page.getByRole("list", { name: "Commands" });
  await expect(commands).toContainText("slow suite");

  // A share link's viewer, signed out, reads the run's branch like a member does.
  const { guest, guestPage } = await openShareLink(page, browser);
  await expect(guestPage.getByText("Shared run · read-only")).toBeVisible();
  const browse = guestPage.getByText("Browse the branch's files");
  await expectHydrated(browse);
  await browse.click();
  const tree = guestPage.getByRole("navigation", { name: "Files on the branch" });
  const calc = tree.getByRole("button", { name: "calc.py", exact: true });
  await expectHydrated(calc);
  await calc.click();
  await expect(guestPage.getByTestId("branch-file")).toContainText("def add");
  await guest.close();
});
