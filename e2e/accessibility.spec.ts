import { expect, test, type Locator, type Page } from "@playwright/test";
import { checkAtBothSizes, docsScreenshot as shot, expectAccessible } from "./axe";

/**
 * Keyboard only, from sign-up to a finished run, with axe-core (0 serious or critical violations) on every page
 * on the way, at 1440x900 and again at 390x844, in the light and the dark theme.
 */
test.describe.configure({ timeout: 240_000 });

/** Presses Tab until the target has focus, as a keyboard user would; fails if it is not in the tab order. */
async function tabTo(page: Page, target: Locator, most = 60) {
  for (let i = 0; i < most; i++) {
    if (await target.evaluate((el) => el === document.activeElement)) return;
    await page.keyboard.press("Tab");
  }
  throw new Error(`not reachable with Tab: ${target.toString()}`);
}

/** Starts keyboard navigation from the top of the page, as after a fresh load (a blur alone keeps the old starting point). */
async function focusFromTop(page: Page) {
  await page.evaluate(() => {
    (document.activeElement as HTMLElement | null)?.blur();
    document.body.tabIndex = -1;
    document.body.focus();
    document.body.removeAttribute("tabindex");
  });
}

/** Clicks and keys before React hydrates are lost: the header's theme toggle marks itself ready from an effect. */
async function interactive(page: Page) {
  await expect(page.getByTestId("theme-toggle")).toHaveAttribute("data-ready", "true");
}

test("keyboard only, sign-up to a finished run and its share link; axe-core finds nothing serious on any page", async ({ page, browser }, testInfo) => {
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.goto("/sign-up");
  await checkAtBothSizes(page, "sign-up");
  await shot(page, "sign-up");
  // The skip link comes first in the tab order (the form autofocuses its first field, so start from nothing).
  await focusFromTop(page);
  await page.keyboard.press("Tab");
  await expect(page.getByRole("link", { name: "Skip to content" })).toBeFocused();
  await tabTo(page, page.getByLabel("Name"));
  await page.keyboard.type("Keyboard User");
  await tabTo(page, page.getByLabel("Email"));
  await page.keyboard.type(`keys-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.test`);
  await tabTo(page, page.getByLabel("Password"));
  await page.keyboard.type("only-the-keyboard-2026");
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/projects$/);
  await interactive(page);
  await checkAtBothSizes(page, "projects (empty)");
  await shot(page, "first-start");

  await focusFromTop(page);
  await page.keyboard.press("Tab");
  await expect(page.getByRole("link", { name: "Skip to content" })).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(page.locator("main#main")).toBeFocused();
  await tabTo(page, page.getByRole("button", { name: "New project" }).first());
  await page.keyboard.press("Enter");
  await tabTo(page, page.getByLabel("Name", { exact: true }));
  await page.keyboard.type("keyboard-calculator");
  await page.keyboard.press("Enter");
  await expect(page.getByRole("heading", { name: "keyboard-calculator" })).toBeVisible();
  await checkAtBothSizes(page, "project page");
  // `?` lists the shortcuts in a modal dialog; Esc closes it.
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  await page.keyboard.press("?");
  await expect(page.getByRole("dialog", { name: "Keyboard shortcuts" })).toBeVisible();
  await expectAccessible(page, "shortcuts dialog");
  await shot(page, "keyboard-shortcuts");
  await page.keyboard.press("Escape");
  await expect(page.getByRole("dialog", { name: "Keyboard shortcuts" })).toBeHidden();
  await shot(page, "project");

  await tabTo(page, page.getByLabel("Task", { exact: true }));
  await page.keyboard.type("Write add(a, b) in calc.py with tests");
  await page.keyboard.press("Enter");
  await page.keyboard.type("Keep it small.");
  await page.keyboard.press("ControlOrMeta+Enter");
  await expect(page).toHaveURL(/\/runs\/[\w-]+$/);
  await expect(page).toHaveTitle(/^(Queued|Running) · Write add\(a, b\) in calc\.py with tests · AutoCodeAI$/);

  await expect(page.getByTestId("run-status").first()).toHaveAttribute("data-status", /SUCCEEDED|NEEDS_REVIEW/, { timeout: 180_000 });
  // Said once, politely, to whoever was watching; and the tab says it too.
  await expect(page.getByTestId("run-announcer")).toHaveText(/^Run finished: (Succeeded|Needs review)\. Write add\(a, b\) in calc\.py with tests$/);
  await expect(page).toHaveTitle(/^(Succeeded|Needs review) · Write add\(a, b\) in calc\.py with tests · AutoCodeAI$/);
  await checkAtBothSizes(page, "finished run");
  await shot(page, "run");
  await page.emulateMedia({ colorScheme: "dark" });
  await shot(page, "run-dark");
  await page.setViewportSize({ width: 390, height: 844 });
  await shot(page, "run-mobile-dark");
  await page.emulateMedia({ colorScheme: "light" });
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.screenshot({ path: testInfo.outputPath("run-finished.png"), fullPage: true });

  // Opening a run that ended earlier announces nothing.
  await page.reload();
  await expect(page.getByTestId("run-status").first()).toHaveAttribute("data-status", /SUCCEEDED|NEEDS_REVIEW/);
  await interactive(page);
  await expect(page.getByTestId("run-announcer")).toHaveText("");

  await tabTo(page, page.getByRole("button", { name: "Create share link" }));
  await page.keyboard.press("Enter");
  const shareUrl = await page.getByTestId("share-url").getAttribute("href");
  // Copy buttons put the secret on the clipboard; the link can be copied again from the list in this tab.
  await page.context().grantPermissions(["clipboard-read", "clipboard-write"]);
  await expect(async () => {
    await page.getByRole("button", { name: /^(Copy link|Copied)$/ }).click();
    await expect(page.getByRole("button", { name: "Copied" })).toBeVisible({ timeout: 2_000 });
  }).toPass();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(shareUrl);
  const row = page.getByTestId("share-link-row").first();
  await expect(row.getByTestId("share-link-last-used")).toHaveText("never opened");

  const guest = await browser.newContext();
  const guestPage = await guest.newPage();
  await guestPage.goto(shareUrl!);
  await expect(guestPage.getByTestId("run-status").first()).toHaveAttribute("data-status", /SUCCEEDED|NEEDS_REVIEW/);
  await checkAtBothSizes(guestPage, "shared run");
  await shot(guestPage, "shared-run");
  // A viewer through the link downloads the patch; a made-up token gets nothing.
  const patchHref = await guestPage.getByRole("link", { name: "Download .patch" }).getAttribute("href");
  const patch = await guestPage.request.get(patchHref!);
  expect(patch.status()).toBe(200);
  expect(await patch.text()).toContain("diff --git");
  expect((await guestPage.request.get("/share/acsh_made-up/patch")).status()).toBe(404);

  await page.reload();
  await expect(row.getByTestId("share-link-last-used")).toHaveText(/^last opened /);
  await interactive(page);
  await page.evaluate(() => navigator.clipboard.writeText(""));
  await expect(async () => {
    await row.getByRole("button", { name: /^(Copy again|Copied)$/ }).click();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(shareUrl);
  }).toPass();
  await guestPage.goto("/share/acsh_unknown-link");
  // A dead link keeps the share header, with the theme toggle, and follows the theme like every other page.
  await interactive(guestPage);
  await checkAtBothSizes(guestPage, "gone share link");
  await shot(guestPage, "share-link-gone");
  await guestPage.goto("/sign-in");
  await checkAtBothSizes(guestPage, "sign-in");
  await shot(guestPage, "sign-in");
  await guest.close();

  await page.goto("/settings");
  await expect(page.getByRole("heading", { name: "Settings" })).toBeVisible();
  await checkAtBothSizes(page, "settings");
  await shot(page, "settings");
  await page.goto("/projects");
  await expect(page.getByRole("link", { name: "keyboard-calculator" }).first()).toBeVisible();
  await interactive(page);
  await shot(page, "projects");
  await page.goto("/no-such-page");
  await checkAtBothSizes(page, "not found");
  await shot(page, "not-found");
});
