import { expect, type APIRequestContext, type Page } from "@playwright/test";
import { FAKE_LLM_PORT } from "../playwright.config";

const CONTROL = `http://127.0.0.1:${FAKE_LLM_PORT}/control/script`;

/** Queues the fake model's next answers for one agent role (tests/fake-llm/serve.ts). */
export async function script(request: APIRequestContext, role: string, ...responses: unknown[]) {
  const answer = await request.post(CONTROL, { data: { role, responses } });
  expect(answer.ok()).toBe(true);
}

/** Signs a new person up (a fresh email each time) and lands on the projects page. */
export async function signUp(page: Page, name: string, emailPrefix: string, password: string) {
  await page.goto("/sign-up");
  await page.getByLabel("Name").fill(name);
  await page.getByLabel("Email").fill(`${emailPrefix}-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.test`);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(/\/projects$/);
}
