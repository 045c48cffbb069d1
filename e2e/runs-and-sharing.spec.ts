import { expect, test, type Page } from "@playwright/test";
import { createProject, openShareLink, script, signUp as signUpAs, startTask } from "./run-helpers";

/** A correct add() spread over many small, slow chunks, so the stream is visible for several seconds. */
function slowCode(delayMs: number) {
  const body = ["def add(a, b):", '    """Adds two numbers; refuses None like Python does."""', ...Array.from({ length: 12 }, (_, i) => `    # step ${i + 1} of a careful addition`), "    return a + b", ""].join("\n");
  return { text: `File: calc.py\n\`\`\`python\n${body}\`\`\`\n`, chunkDelayMs: delayMs, chunkSize: 6 };
}

const signUp = (page: Page) => signUpAs(page, "Run Watcher", "runner", "watch-runs-2026");

test.describe.configure({ timeout: 180_000 });

test("a task runs live: tokens stream, tests pass in the sandbox, the diff shows; a share link follows it live and dies on revoke", async ({ page, browser, request }, testInfo) => {
  const streams: { url: string; lastEventId: string | undefined }[] = [];
  page.on("request", (req) => {
    if (req.url().includes("run.events")) streams.push({ url: decodeURIComponent(req.url()), lastEventId: req.headers()["last-event-id"] });
  });
  // Keeps the page's EventSources reachable, so the test can cut the live stream like a network drop would
  // (Chromium's offline emulation leaves an open stream alone).
  await page.addInitScript(() => {
    const Native = window.EventSource;
    const open: EventSource[] = [];
    (window as unknown as { __eventSources: EventSource[] }).__eventSources = open;
    window.EventSource = class extends Native {
      constructor(url: string | URL, init?: EventSourceInit) {
        super(url, init);
        open.push(this);
      }
    } as typeof EventSource;
  });
  await signUp(page);
  await createProject(page, "calculator");
  await script(request, "coder", slowCode(120));
  await startTask(page, "Write add(a, b) in calc.py with tests");
  const runUrl = page.url();

  // Tokens arrive while the run is still going.
  const coder = page.getByTestId("tokens-coder");
  await expect(coder).toContainText("def add", { timeout: 60_000 });
  await expect(page.getByTestId("run-status").first()).toHaveAttribute("data-status", "RUNNING");
  await page.screenshot({ path: testInfo.outputPath("run-streaming.png"), fullPage: true });

  // A share link, opened signed out in a fresh context, shows the same run, live.
  const { guest, guestPage } = await openShareLink(page, browser);
  await expect(guestPage.getByText("Shared run · read-only")).toBeVisible();
  await expect(guestPage.getByRole("heading", { name: "Write add(a, b) in calc.py with tests" })).toBeVisible();
  await expect(guestPage.getByTestId("tokens-coder")).toContainText("def add");
  await expect(guestPage.getByRole("link", { name: "Projects" })).toHaveCount(0);
  await expect(guestPage.getByRole("button", { name: /Stop|Merge|Re-run|share link/ })).toHaveCount(0);

  // A dropped connection on the owner's page resumes without losing or repeating events.
  const before = streams.length;
  await page.evaluate(() => {
    for (const source of (window as unknown as { __eventSources: EventSource[] }).__eventSources) {
      if (source.readyState === EventSource.CLOSED || !source.url.includes("run.events")) continue;
      source.close();
      source.dispatchEvent(new Event("error"));
    }
  });
  // The stream really reconnected, and asked to resume after the last event it had.
  await expect.poll(() => streams.length, { timeout: 15_000 }).toBeGreaterThan(before);
  const resumed = streams.at(-1)!;
  const resumedAfter = Number(resumed.lastEventId ?? /"lastEventId":"(\d+)"/.exec(resumed.url)?.[1] ?? 0);
  expect(resumedAfter).toBeGreaterThan(0);

  await expect(page.getByTestId("run-status").first()).toHaveAttribute("data-status", "SUCCEEDED", { timeout: 120_000 });
  await expect(page.getByTestId("verification")).toHaveAttribute("data-outcome", "verified");
  await expect(page.getByTestId("step-s1")).toHaveAttribute("data-status", "succeeded");
  // calc.py is new, so its tests were designed without seeing the code; the step card says so, in words too.
  await expect(page.getByTestId("step-s1-independent")).toContainText("independent tests");
  await expect(page.getByTestId("step-s1-independent")).toContainText("without seeing the code");
  await expect(page.getByTestId("verdict")).toHaveAttribute("data-verdict", "PASS");
  await expect(page.getByTestId("test-row").first()).toHaveAttribute("data-status", "passed");
  await expect(page.getByTestId("tests-summary")).toContainText(/(\d+) of \1 tests passed/);
  await expect(page.getByTestId("exit-code").last()).toHaveText("exit 0");
  await expect(page.getByRole("region", { name: "Changes" }).getByText("calc.py", { exact: true }).first()).toBeVisible({ timeout: 15_000 });
  const view = page.getByTestId("run-view");
  await expect(view).toHaveAttribute("data-repeated", "0");
  await expect(view).toHaveAttribute("data-missing", "0");
  const seenLive = Number(await view.getAttribute("data-last-seq"));
  await page.screenshot({ path: testInfo.outputPath("run-finished.png"), fullPage: true });

  // A fresh load replays the whole record: the live page saw every event.
  await page.goto(runUrl);
  await expect(page.getByTestId("run-status").first()).toHaveAttribute("data-status", "SUCCEEDED");
  await expect(page.getByTestId("run-view")).toHaveAttribute("data-last-seq", String(seenLive));

  // The guest saw the end too.
  await expect(guestPage.getByTestId("run-status").first()).toHaveAttribute("data-status", "SUCCEEDED", { timeout: 30_000 });
  await expect(guestPage.getByTestId("verification")).toHaveAttribute("data-outcome", "verified");
  await expect(guestPage.getByTestId("step-s1-independent")).toContainText("independent tests");
  await guestPage.screenshot({ path: testInfo.outputPath("shared-run.png"), fullPage: true });

  // The patch downloads for the signed-in owner, and not for the guest.
  const patch = await page.request.get(`${runUrl.replace(/\/runs\//, "/api/runs/")}/patch`);
  expect(patch.status()).toBe(200);
  expect(await patch.text()).toContain("def add(a, b):");
  expect((await guestPage.request.get(`${runUrl.replace(/\/runs\//, "/api/runs/")}/patch`)).status()).toBe(401);

  // Revoked: the link shows nothing any more.
  await page.getByRole("list", { name: "Share links" }).getByRole("button", { name: "Revoke" }).click();
  await expect(page.getByRole("list", { name: "Share links" }).getByText(/revoked/)).toBeVisible();
  const revokedResponse = await guestPage.reload();
  // A gone link says so in the status too, for link checkers and caches.
  expect(revokedResponse?.status()).toBe(404);
  await expect(guestPage.getByText("This share link is not available")).toBeVisible();
  await expect(guestPage.getByText("Write add(a, b)")).toHaveCount(0);
  expect((await guestPage.request.get("/share/acsh_unknown-link")).status()).toBe(404);
  await guestPage.screenshot({ path: testInfo.outputPath("share-revoked.png") });
  await guest.close();

  // The project page lists the run with its status, tokens and cost.
  await page.getByRole("link", { name: "calculator" }).click();
  const history = page.getByRole("list", { name: "Runs" });
  await expect(history.getByText("Write add(a, b) in calc.py with tests")).toBeVisible();
  await expect(history.getByTestId("run-status").first()).toHaveAttribute("data-status", "SUCCEEDED");
  await page.screenshot({ path: testInfo.outputPath("project-page.png"), fullPage: true });
});

test("a running run stops when asked, and a share link of a live run ends when revoked", async ({ page, browser, request }, testInfo) => {
  await signUp(page);
  await createProject(page, "slow-project");
  await script(request, "coder", slowCode(1500));
  await startTask(page, "Write add(a, b) in calc.py, slowly");
  await expect(page.getByTestId("tokens-coder")).toContainText("File", { timeout: 60_000 });

  const { guest, guestPage } = await openShareLink(page, browser);
  await expect(guestPage.getByTestId("tokens-coder")).toContainText("File");
  await page.getByRole("list", { name: "Share links" }).getByRole("button", { name: "Revoke" }).click();
  // Revocation ends the guest's live stream without a reload.
  await expect(guestPage.getByText("This share link is not available")).toBeVisible({ timeout: 15_000 });
  await guest.close();

  await page.getByRole("button", { name: "Stop run" }).click();
  await expect(page.getByTestId("run-status").first()).toHaveAttribute("data-status", "CANCELLED", { timeout: 15_000 });
  await expect(page.getByRole("button", { name: "Re-run", exact: true })).toBeVisible();
  await expect(page.getByTestId("step-s1")).toHaveAttribute("data-status", "cancelled");
  await page.screenshot({ path: testInfo.outputPath("run-stopped.png"), fullPage: true });
});

test("model settings keep the API key write-only", async ({ page }, testInfo) => {
  await signUp(page);
  await page.getByRole("link", { name: "Settings" }).click();
  await expect(page.getByTestId("api-key-state")).toContainText("No key stored");
  await page.getByLabel("Provider").selectOption("openai");
  await page.getByLabel("Coder").fill("gpt-4o-mini");
  await page.getByLabel("Key", { exact: true }).fill("sk-e2e-secret-value");
  await page.getByRole("button", { name: "Save model settings" }).click();
  await expect(page.getByText("Saved. New runs use these settings.")).toBeVisible();
  await page.reload();
  await expect(page.getByTestId("api-key-state")).toContainText("A key is stored");
  await expect(page.getByLabel("Coder")).toHaveValue("gpt-4o-mini");
  await expect(page.getByLabel("Replace key")).toHaveValue("");
  expect(await page.content()).not.toContain("sk-e2e-secret-value");
  await page.screenshot({ path: testInfo.outputPath("settings.png"), fullPage: true });
  await page.getByLabel("Remove the stored key").check();
  await page.getByRole("button", { name: "Save model settings" }).click();
  await expect(page.getByTestId("api-key-state")).toContainText("No key stored");
});
