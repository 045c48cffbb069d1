import { expect, test, type Page } from "@playwright/test";
import { FAKE_LLM_PORT } from "../playwright.config";
import { expectAccessible } from "./axe";
import { extraServers, SHARED_DATABASE, SUITE_PORT } from "./extra-servers";

/**
 * First start: the suite's server talks to the fake model (no banner, Test connection lists its models); a
 * second server from the same build points at a port where nothing listens (the banner, and the exact error).
 */
const NO_MODEL_PORT = SUITE_PORT + 7;
const DEAD_MODEL_URL = `http://127.0.0.1:${SUITE_PORT + 8}/v1`;
const SIZES = [
  { name: "desktop", width: 1440, height: 900 },
  { name: "mobile", width: 390, height: 844 },
] as const;

const servers = extraServers();
test.afterAll(() => servers.stopAll());

function uniqueEmail(name: string): string {
  return `${name}-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.test`;
}

async function signUp(page: Page) {
  await page.goto("/sign-up");
  await page.getByLabel("Name").fill("First Start");
  await page.getByLabel("Email").fill(uniqueEmail("first"));
  await page.getByLabel("Password").fill("first-start-2026");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(/\/projects$/);
}

for (const size of SIZES) {
  test(`${size.name}: with the fake model there is no banner, and Test connection lists its models`, async ({ browser }, testInfo) => {
    const context = await browser.newContext({ viewport: { width: size.width, height: size.height } });
    const page = await context.newPage();
    await signUp(page);
    await expect(page.getByRole("heading", { name: "Projects", exact: true })).toBeVisible();
    await expect(page.getByTestId("model-status-banner")).toHaveCount(0);
    await page.getByRole("link", { name: "Settings" }).first().click();
    await page.getByRole("button", { name: "Test connection" }).click();
    const result = page.getByTestId("connection-result");
    await expect(result).toContainText(`Connected to http://127.0.0.1:${FAKE_LLM_PORT}/v1`);
    await expect(result).toContainText("fake-embedding, fake-model");
    await expectAccessible(page, `settings (${size.name})`);
    await page.screenshot({ path: testInfo.outputPath(`settings-test-connection-${size.name}.png`), fullPage: true });
    await context.close();
  });
}

test("without a model: a banner on every page links to Settings and names the variables; Test connection shows the error", async ({ browser }, testInfo) => {
  test.setTimeout(180_000);
  const base = await servers.start(NO_MODEL_PORT, { DATABASE_URL: SHARED_DATABASE, DATA_DIR: ".data/e2e", SIGNUP: "open", LLM_MODE: "litellm", LITELLM_URL: DEAD_MODEL_URL, LLM_MODEL: "" });
  for (const size of SIZES) {
    const context = await browser.newContext({ baseURL: base, viewport: { width: size.width, height: size.height } });
    const page = await context.newPage();
    await signUp(page);
    const banner = page.getByTestId("model-status-banner");
    await expect(banner).toContainText("No working model");
    await expect(banner).toContainText(DEAD_MODEL_URL);
    await expect(banner).toContainText("ECONNREFUSED");
    await expect(banner).toContainText("LLM_MODE, LITELLM_URL and LITELLM_API_KEY");
    await expectAccessible(page, `projects with the banner (${size.name})`);
    await page.screenshot({ path: testInfo.outputPath(`banner-${size.name}.png`), fullPage: true });

    await banner.getByRole("link", { name: "Settings" }).click();
    await expect(page).toHaveURL(/\/settings/);
    await page.getByRole("button", { name: "Test connection" }).click();
    const result = page.getByTestId("connection-result");
    await expect(result).toContainText(`Connection failed: litellm at ${DEAD_MODEL_URL}`);
    await expect(result).toContainText("ECONNREFUSED");
    await context.close();
  }
});
