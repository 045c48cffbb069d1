import { expect, test } from "@playwright/test";
import { checkAtBothSizes, docsScreenshot, expectAccessible } from "./axe";
import { createProject, script, signUp } from "./run-helpers";

test.describe.configure({ timeout: 240_000 });

test("a two-step parallel run's timeline shows two overlapping lanes; the project's insights filter and read as tables; axe-clean", async ({ page, request }) => {
  await signUp(page, "Lead", "lead", "monday-insights-2026");
  await createProject(page, "timeline");
  const plan = { steps: [{ id: "s1", agent: "coder", description: "Write add", file: "calc.py", depends_on: [] }, { id: "s2", agent: "coder", description: "Write mul", file: "more.py", depends_on: [] }] };
  await script(request, "planner", JSON.stringify(plan));
  // The run form shows what runs have cost beside its budget fields.
  await expect(page.getByTestId("budget-costs")).toContainText("No runs here yet");
  await page.getByTestId("budget-usd").fill("5");
  await page.getByLabel("Task", { exact: true }).fill("Write add in calc.py and mul in more.py");
  await page.getByRole("button", { name: "Start task" }).click();
  await expect(page).toHaveURL(/\/runs\/[\w-]+$/);
  const projectUrl = page.url();

  await expect(page.getByTestId("run-status").first()).toHaveAttribute("data-status", /SUCCEEDED|FAILED/, { timeout: 180_000 });
  const lanes = page.getByTestId("timeline-lane");
  const s1 = page.locator('[data-lane="step:s1"]');
  const s2 = page.locator('[data-lane="step:s2"]');
  await expect(s1).toHaveCount(1);
  await expect(s2).toHaveCount(1);
  const span = async (lane: typeof s1) => [Number(await lane.getAttribute("data-start")), Number(await lane.getAttribute("data-end"))] as const;
  const [a, b] = [await span(s1), await span(s2)];
  expect(a[0] < b[1] && b[0] < a[1]).toBe(true);
  expect(await lanes.count()).toBeGreaterThanOrEqual(3);
  await expect(page.getByTestId("timeline-bar").first()).toBeVisible();

  // Keyboard: the chart takes focus and names the bar under it.
  await page.getByTestId("timeline-chart").focus();
  await page.keyboard.press("ArrowRight");
  await expect(page.getByTestId("timeline-detail")).toContainText(/tokens in|exit/);
  // Zoom (buttons or +/-) narrows the window; a lane's whole label and its step's description are its tooltip.
  await page.keyboard.press("+");
  await expect(page.getByTestId("timeline-window")).toContainText("2×");
  await page.getByTestId("timeline-zoom-out").click();
  await expect(page.getByTestId("timeline-window")).toHaveText("The whole run");
  await expect(s1.locator("title").first()).toHaveText(/^s1 · coder · calc\.py: Write add$/);
  await page.getByTestId("run-timeline").scrollIntoViewIfNeeded();
  await docsScreenshot(page, "run-timeline");
  await page.getByTestId("timeline-toggle").click();
  await expect(page.getByTestId("timeline-table")).toContainText("s1");
  // The timeline only: the run page's token panes and diff have colour-contrast findings of their own (issue 19's).
  await expectAccessible(page, "the run timeline", '[data-testid="run-timeline"]');

  // Insights: the run counts, the user filter, the table alternative.
  const projectId = (await page.getByRole("link", { name: "timeline", exact: true }).first().getAttribute("href"))?.split("/").pop() ?? "";
  expect(projectId, projectUrl).not.toBe("");
  await page.goto(`/projects/${projectId}/insights`);
  await expect(page.getByTestId("summary-runs")).toHaveText("1");
  await page.getByTestId("filter-user").selectOption({ index: 1 });
  await expect(page.getByTestId("summary-runs")).toHaveText("1");
  await page.getByTestId("filter-from").fill("2020-01-01");
  await page.getByTestId("filter-to").fill("2020-01-31");
  await expect(page.getByTestId("summary-runs")).toHaveText("0");
  // Back to today: first a range longer than the server takes (said on the page, not sent), then a week.
  const today = new Date().toISOString().slice(0, 10);
  await page.getByTestId("filter-to").fill(today);
  await expect(page.getByTestId("filter-error")).toContainText("at most 400 days");
  await page.getByTestId("filter-from").fill(new Date(Date.now() - 7 * 86_400_000).toISOString().slice(0, 10));
  await expect(page.getByTestId("summary-runs")).toHaveText("1");
  await page.getByTestId("toggle-days").click();
  await expect(page.getByTestId("insight-days").getByTestId("data-table")).toContainText(/\d{4}-\d{2}-\d{2}/);
  // The whole page (header included), at both sizes, light and dark, like every page of the keyboard walk.
  await checkAtBothSizes(page, "the insights page");
  await docsScreenshot(page, "insights");
});
