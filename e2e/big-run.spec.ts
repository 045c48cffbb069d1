import { expect, test, type Page } from "@playwright/test";
import { BIG_RUN_FILES, bigModule, seedBigRun } from "@/tests/helpers/big-run";
import { expectAccessible } from "./axe";
import { SHARED_DATABASE } from "./extra-servers";
import { expectHydrated } from "./hydration";
import { signUp } from "./run-helpers";

/** Rendered diff rows stay this few however long the files are (a screen of rows plus overscan per file on screen). */
const MAX_ROWS = 300;

test.describe.configure({ timeout: 300_000 });

async function createProject(page: Page, name: string) {
  await expectHydrated(page.getByRole("button", { name: "New project" }).first());
  await page.getByRole("button", { name: "New project" }).first().click();
  await page.getByLabel("Name", { exact: true }).fill(name);
  await page.getByRole("button", { name: "Create project" }).click();
  await expect(page.getByRole("heading", { name })).toBeVisible();
}

/** The verdict and every file show; after "Expand all" the DOM holds a bounded window of rows, and scrolling reaches the end. */
async function checkBigDiff(page: Page) {
  await expect(page.getByTestId("verdict")).toHaveAttribute("data-verdict", "PASS", { timeout: 60_000 });
  const changes = page.getByRole("region", { name: "Changes" });
  for (let i = 1; i <= BIG_RUN_FILES; i++) await expect(changes.getByText(`big_${i}.py`, { exact: true })).toBeVisible({ timeout: 30_000 });
  const rows = changes.locator("tr[data-row]");
  // Files this long start collapsed, and a collapsed file renders none of its lines.
  await expect(changes.getByRole("button", { expanded: false })).toHaveCount(BIG_RUN_FILES);
  await expect(rows).toHaveCount(0);

  // A folded command renders none of its output; opening it shows all of it.
  await expect(page.getByTestId("exit-code")).toHaveCount(BIG_RUN_FILES);
  await expect(page.getByTestId("command-output")).toHaveCount(0);
  const firstCommand = page.getByTestId("exit-code").first();
  await expectHydrated(firstCommand);
  await firstCommand.click();
  await expect(page.getByTestId("command-output")).toHaveCount(1);
  await expect(page.getByTestId("command-output")).toContainText("2000 passed");
  await firstCommand.click();
  await expect(page.getByTestId("command-output")).toHaveCount(0);

  const expandAll = changes.getByRole("button", { name: "Expand all" });
  await expectHydrated(expandAll);
  await expandAll.click();
  await expect(changes.getByRole("button", { expanded: true })).toHaveCount(BIG_RUN_FILES);
  await expect(changes.locator('tr[data-row="0"]').first()).toBeVisible();
  await expect.poll(() => rows.count()).toBeLessThan(MAX_ROWS);
  const total = (await changes.locator("table[data-rows]").evaluateAll((tables) => tables.map((t) => Number(t.getAttribute("data-rows"))))).reduce((a, b) => a + b, 0);
  expect(total).toBeGreaterThan(BIG_RUN_FILES * 3000);

  // The last line of the last file is reachable: scrolling the page there renders it (and still a bounded window).
  const last = changes.locator("table[data-rows]").last();
  const lastRow = Number(await last.getAttribute("data-rows")) - 1;
  const lastLine = bigModule(BIG_RUN_FILES).trimEnd().split("\n").at(-1)!;
  await last.evaluate((table) => window.scrollBy(0, table.getBoundingClientRect().bottom - window.innerHeight / 2));
  await expect(last.locator(`tr[data-row="${lastRow}"]`)).toBeVisible();
  await expect(last.locator(`tr[data-row="${lastRow}"]`)).toContainText(lastLine);
  await expect.poll(() => rows.count()).toBeLessThan(MAX_ROWS);
  // A middle line of the third file, by keyboard: the page scrolls with the keys and the window follows.
  const third = changes.locator("table[data-rows]").nth(2);
  await third.evaluate((table) => window.scrollTo(0, window.scrollY + table.getBoundingClientRect().top + 1000 * 20 - 100));
  await page.keyboard.press("PageDown");
  await expect(third.locator("tr[data-row]").first()).toBeVisible();
  await expect(third).toContainText(/VALUE_1\d{3} = add\(1\d{3}, 3\)/);
  await expect.poll(() => rows.count()).toBeLessThan(MAX_ROWS);
}

/** The held patches fail to load (every attempt the client makes): the file says so and "Try again" brings them. */
async function checkHeldPatchRetry(page: Page, path: string) {
  let failing = true;
  // Only the whole diff (share.diff without patches "open"), asked for alone when a held file opens.
  await page.route(/\/api\/trpc\/share\.diff\?/, (route) => {
    const input = decodeURIComponent(new URL(route.request().url()).searchParams.get("input") ?? "");
    if (!failing || input.includes('"open"')) return route.continue();
    return route.fulfill({ status: 503, contentType: "application/json", body: JSON.stringify([{ error: { json: { message: "the server is busy", code: -32603, data: { code: "INTERNAL_SERVER_ERROR", httpStatus: 503 } } } }]) });
  });
  await page.goto(path);
  const changes = page.getByRole("region", { name: "Changes" });
  const first = changes.getByRole("button", { name: /big_1\.py/ });
  await expectHydrated(first);
  await first.click();
  const failure = changes.getByRole("alert").filter({ hasText: "could not be loaded" });
  await expect(failure).toBeVisible({ timeout: 30_000 });
  failing = false;
  await failure.getByRole("button", { name: "Try again" }).click();
  await expect(changes.locator('tr[data-row="0"]').first()).toBeVisible({ timeout: 30_000 });
  await expect(failure).toHaveCount(0);
  await page.unrouteAll();
}

test("a run that wrote 6 files of 130k characters: the diff renders a window of rows on the run page and the share page", async ({ page, browser }) => {
  await signUp(page, "Big Runner", "big-run", "big-runs-2026");
  const name = `big-${Date.now()}`;
  await createProject(page, name);
  // Seeded straight into the suite's database (as a run leaves it): a run writing 780k characters through the
  // fake model and the sandbox takes minutes and is not what this spec is about.
  const { runPath, sharePath } = await seedBigRun({ databaseUrl: SHARED_DATABASE, projectName: name });

  // A finished run's page is complete in the server's HTML: the verdict, the commands and every file of the diff,
  // before any script runs or the event stream opens.
  const ownerHtml = await (await page.request.get(runPath)).text();
  expect(ownerHtml).toContain('data-testid="verdict"');
  expect(ownerHtml).toContain('data-verdict="PASS"');
  expect(ownerHtml.match(/big_\d\.py/g)?.length ?? 0).toBeGreaterThanOrEqual(6);
  // Light: the collapsed files' patches, the model's streamed text and the commands' long output are not in it
  // (2.4 MB before; they come when opened). A middle line of a file is not there; the page still opens it below.
  expect(ownerHtml.length).toBeLessThan(400_000);
  expect(ownerHtml).not.toContain("VALUE_1500 = add(1500, 3)");

  await page.goto(runPath);
  await checkBigDiff(page);
  await expectAccessible(page, "the big run's diff", '[aria-label="Changes"]');

  const guest = await browser.newContext();
  const guestPage = await guest.newPage();
  const shareHtml = await (await guestPage.request.get(sharePath)).text();
  expect(shareHtml).toContain('data-verdict="PASS"');
  expect(shareHtml.length).toBeLessThan(400_000);
  await checkHeldPatchRetry(guestPage, sharePath);
  await guestPage.goto(sharePath);
  await checkBigDiff(guestPage);
  await guest.close();
});
