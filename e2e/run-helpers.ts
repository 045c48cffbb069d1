import { expect, type APIRequestContext, type Browser, type Page } from "@playwright/test";
import { FAKE_LLM_PORT } from "../playwright.config";
import { expectHydrated } from "./hydration";

const CONTROL = `http://127.0.0.1:${FAKE_LLM_PORT}/control/script`;

/** Queues the fake model's next answers for one agent role (tests/fake-llm/serve.ts). */
export async function script(request: APIRequestContext, role: string, ...responses: unknown[]) {
  const answer = await request.post(CONTROL, { data: { role, responses } });
  expect(answer.ok()).toBe(true);
}

/** Signs a new person up (a fresh email each time) and lands on the projects page. */
export async function signUp(page: Page, name: string, emailPrefix: string, password: string) {
  await page.goto("/sign-up");
  const create = page.getByRole("button", { name: "Create account" });
  await expectHydrated(create);
  await page.getByLabel("Name").fill(name);
  await page.getByLabel("Email").fill(`${emailPrefix}-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.test`);
  await page.getByLabel("Password").fill(password);
  await create.click();
  await expect(page).toHaveURL(/\/projects$/);
}

/** Creates a project from the projects page and lands on it. */
export async function createProject(page: Page, name: string) {
  const newProject = page.getByRole("button", { name: "New project" }).first();
  await expectHydrated(newProject);
  await newProject.click();
  await page.getByLabel("Name", { exact: true }).fill(name);
  await page.getByRole("button", { name: "Create project" }).click();
  await expect(page.getByRole("heading", { name })).toBeVisible();
}

/** Starts a task from the project page and lands on its run page. */
export async function startTask(page: Page, prompt: string) {
  const start = page.getByRole("button", { name: "Start task" });
  await expectHydrated(start);
  await page.getByLabel("Task", { exact: true }).fill(prompt);
  await start.click();
  await expect(page).toHaveURL(/\/runs\/[\w-]+$/);
}

/** Makes a share link on the run page and opens it signed out, in a fresh browser context (close `guest` after). */
export async function openShareLink(page: Page, browser: Browser) {
  const create = page.getByRole("button", { name: "Create share link" });
  await expectHydrated(create);
  await create.click();
  const shareUrl = await page.getByTestId("share-url").getAttribute("href");
  expect(shareUrl).toMatch(/\/share\/acsh_/);
  const guest = await browser.newContext();
  const guestPage = await guest.newPage();
  await guestPage.goto(shareUrl!);
  return { guest, guestPage, shareUrl: shareUrl! };
}
