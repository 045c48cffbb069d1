import { expect, test } from "@playwright/test";
import { createProject, script, signUp } from "./run-helpers";
import { expectHydrated, notificationsOf, recordNotifications } from "./hydration";

test.describe.configure({ timeout: 240_000 });

test("plan review from the keyboard: the project default, an invalid edit refused, an edited plan approved and run as edited, a rejected plan, browser notifications", async ({ page, request }, testInfo) => {
  await recordNotifications(page);
  await signUp(page, "Plan Reviewer", "review", "plan-review-2026");
  await createProject(page, "reviewed");

  // The project's default turns the task form's box on (a click before the panel hydrates would be lost).
  const projectDefault = page.getByLabel(/Review every new task's plan/);
  await expectHydrated(projectDefault);
  await projectDefault.check();
  await expect(page.getByLabel("Review the plan before it runs")).toBeChecked();

  // A slow planner: the page sees the run going before its plan waits (a waiting run opened later notifies nothing).
  const steps = [
    { id: "s1", agent: "coder", description: "Write add(a, b) in calc.py", file: "calc.py" },
    { id: "s2", agent: "coder", description: "Write a useless helper in extra.py", file: "extra.py", depends_on: ["s1"] },
  ];
  await script(request, "planner", { text: JSON.stringify({ steps }), latencyMs: 15_000 });
  await page.getByLabel("Task", { exact: true }).fill("Write add(a, b) in calc.py with tests");
  await page.getByRole("button", { name: "Start task" }).click();
  await expect(page).toHaveURL(/\/runs\/[\w-]+$/);
  await expect(page.getByTestId("run-status")).toHaveAttribute("data-status", /QUEUED|RUNNING/);
  await expect(page.getByTestId("run-status")).toHaveAttribute("data-status", "AWAITING_APPROVAL", { timeout: 120_000 });
  await expect(page).toHaveTitle(/Plan to review|Awaiting approval/);
  // The user allowed notifications: a plan waiting for them raises one.
  await expect.poll(() => notificationsOf(page)).toEqual(["Plan ready for review"]);
  const review = page.getByTestId("plan-review");
  await expect(review.getByRole("group", { name: /Step s1/ })).toBeVisible();
  await expect(review.getByRole("group", { name: /Step s2/ })).toBeVisible();

  // Keyboard only from here: focus a field, type, Tab to the buttons, Enter.
  await review.getByLabel("Description of step s1").focus();
  await page.keyboard.press("ControlOrMeta+a");
  await page.keyboard.type("Write add(a, b) in calc.py, reviewed");
  await review.getByRole("button", { name: "Remove step s2" }).focus();
  await page.keyboard.press("Enter");
  await expect(review.getByRole("group", { name: /Step s2/ })).toHaveCount(0);
  // An invalid edit: the schema's message, nothing approved.
  await review.getByLabel("File of step s1").focus();
  await page.keyboard.press("ControlOrMeta+a");
  await page.keyboard.press("Delete");
  await review.getByRole("button", { name: "Approve edited plan" }).focus();
  await page.keyboard.press("Enter");
  await expect(review.getByRole("alert")).toContainText('step "s1" (coder) has no file');
  await expect(page.getByTestId("run-status")).toHaveAttribute("data-status", "AWAITING_APPROVAL");
  await review.getByLabel("File of step s1").focus();
  await page.keyboard.type("calc.py");
  await page.screenshot({ path: testInfo.outputPath("plan-review-edited.png"), fullPage: true });
  await review.getByRole("button", { name: "Approve edited plan" }).focus();
  await page.keyboard.press("Enter");

  await expect(page).toHaveTitle(/Succeeded · Write add\(a, b\)/, { timeout: 120_000 });
  await expect.poll(() => notificationsOf(page)).toEqual(["Plan ready for review", "Run finished: Succeeded"]);
  await expect(page.getByTestId("plan-review")).toHaveCount(0);
  // The plan that ran is the edited one (the planner's own answer stays visible in its output pane, as recorded).
  const plan = page.getByRole("region", { name: "Plan", exact: true });
  await expect(plan.getByText("Write add(a, b) in calc.py, reviewed")).toBeVisible();
  await expect(plan.getByText("Write a useless helper in extra.py")).toHaveCount(0);
  await expect(page.getByText("Plan edited and approved")).toBeVisible();

  // A second task, rejected with a reason: the run ends stopped and says why.
  await page.getByRole("link", { name: "reviewed" }).click();
  await page.getByLabel("Task", { exact: true }).fill("Write sub(a, b) in calc.py");
  await page.getByRole("button", { name: "Start task" }).click();
  await expect(page.getByTestId("run-status")).toHaveAttribute("data-status", "AWAITING_APPROVAL", { timeout: 120_000 });
  await page.getByRole("button", { name: "Reject plan" }).focus();
  await page.keyboard.press("Enter");
  await page.getByLabel("Why (optional, shown on the run)").fill("Put sub in its own module");
  await page.getByRole("button", { name: "Reject and end the run" }).click();
  await expect(page.getByTestId("run-status")).toHaveAttribute("data-status", "CANCELLED");
  await expect(page.getByText("The plan was rejected: Put sub in its own module").first()).toBeVisible();
});
