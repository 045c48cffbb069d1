import { expect, test, type Page } from "@playwright/test";

function uniqueEmail(name: string): string {
  return `${name}-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.test`;
}

async function signUp(page: Page, email: string, password: string) {
  await page.goto("/sign-up");
  await page.getByLabel("Name").fill("E2E User");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(/\/projects$/);
}

async function signOut(page: Page) {
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/sign-in/);
}

async function signIn(page: Page, email: string, password: string) {
  await page.goto("/sign-in");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/projects$/);
}

test("sign up, sign out, sign in, create a project; a second user does not see it", async ({ page, browser }, testInfo) => {
  const alice = { email: uniqueEmail("alice"), password: "alice-pass-2026" };
  await signUp(page, alice.email, alice.password);
  await expect(page.getByText("No projects yet")).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath("empty-projects.png") });

  await signOut(page);
  await page.goto("/projects");
  await expect(page).toHaveURL(/\/sign-in/);

  await signIn(page, alice.email, alice.password);
  await page.getByRole("button", { name: "New project" }).click();
  await page.getByLabel("Name", { exact: true }).fill("billing-service");
  await page.getByLabel("Description (optional)").fill("Invoices and payments");
  await page.getByRole("button", { name: "Create project" }).click();
  await expect(page.getByRole("heading", { name: "billing-service" })).toBeVisible();
  await expect(page.getByText("No tasks yet")).toBeVisible();
  const projectUrl = page.url();

  await page.getByRole("link", { name: "Projects", exact: true }).first().click();
  await expect(page.getByRole("list", { name: "Your projects" }).getByText("billing-service")).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath("projects.png"), fullPage: true });

  // A second user, in a separate browser context, sees neither the project in the list nor by its URL.
  const other = await browser.newContext();
  const bobPage = await other.newPage();
  await signUp(bobPage, uniqueEmail("bob"), "bob-pass-2026x");
  await expect(bobPage.getByText("No projects yet")).toBeVisible();
  await bobPage.goto(projectUrl);
  await expect(bobPage.getByText("Project not found")).toBeVisible();
  await other.close();
});

test("sign-up errors are clear and keep the form", async ({ page }) => {
  const email = uniqueEmail("carol");
  await signUp(page, email, "carol-pass-2026");
  await signOut(page);

  await page.goto("/sign-up");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("another-pass-2026");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "already exists" })).toBeVisible();
  await expect(page.getByLabel("Email")).toHaveValue(email);

  await page.getByLabel("Email").fill(uniqueEmail("dave"));
  await page.getByLabel("Password").fill("lettersonlyhere");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "Mix letters" })).toBeVisible();
  await expect(page.locator("body")).not.toContainText("at Object");

  await page.goto("/sign-in");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("wrong-password-1");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "Email or password is incorrect." })).toBeVisible();
});

test("health answers with the database checked", async ({ request }) => {
  const response = await request.get("/health");
  expect(response.status()).toBe(200);
  expect(await response.json()).toMatchObject({ status: "ok", database: "ok" });
});

test("the owner adds a viewer by email; the viewer sees the project but cannot start tasks", async ({ page, browser }, testInfo) => {
  const viewerEmail = uniqueEmail("vera");
  const other = await browser.newContext();
  const viewerPage = await other.newPage();
  await signUp(viewerPage, viewerEmail, "vera-pass-2026x");

  await signUp(page, uniqueEmail("owen"), "owen-pass-2026x");
  await page.getByRole("button", { name: "New project" }).click();
  await page.getByLabel("Name", { exact: true }).fill("team-service");
  await page.getByRole("button", { name: "Create project" }).click();
  await expect(page.getByRole("heading", { name: "team-service" })).toBeVisible();

  await page.getByLabel("Add someone by the email of their account").fill("nobody@example.test");
  await page.getByRole("button", { name: "Add member" }).click();
  await expect(page.getByText("No account uses nobody@example.test")).toBeVisible();
  await page.getByLabel("Add someone by the email of their account").fill(viewerEmail);
  await page.getByLabel("Role").selectOption("VIEWER");
  await page.getByRole("button", { name: "Add member" }).click();
  await expect(page.getByRole("list", { name: "Project members" }).getByText(viewerEmail)).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath("members.png"), fullPage: true });

  await viewerPage.goto("/projects");
  await viewerPage.getByRole("list", { name: "Your projects" }).getByText("team-service").click();
  await expect(viewerPage.getByRole("heading", { name: "team-service" })).toBeVisible();
  await expect(viewerPage.getByRole("heading", { name: "New task" })).toHaveCount(0);
  await viewerPage.getByRole("button", { name: "Leave" }).click();
  await expect(viewerPage).toHaveURL(/\/projects$/);
  await expect(viewerPage.getByText("No projects yet")).toBeVisible();
  await other.close();
});

test("a guesser is stopped at ten wrong passwords, and the owner still signs in from elsewhere", async ({ page, browser }) => {
  test.setTimeout(120_000); // the guesses wait longer and longer (about 30 s in all)
  const email = uniqueEmail("mallory-target");
  await signUp(page, email, "target-pass-2026");
  await signOut(page);
  // The e2e server trusts 127.0.0.1 as its proxy (TRUST_PROXY), so each browser context can claim its own address.
  await page.setExtraHTTPHeaders({ "x-forwarded-for": "203.0.113.66" });
  for (let attempt = 1; attempt <= 10; attempt++) {
    await page.goto("/sign-in");
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill(`guess-number-${attempt}`);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByRole("alert").filter({ hasText: "Email or password is incorrect." })).toBeVisible({ timeout: 15_000 });
  }
  await page.goto("/sign-in");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("target-pass-2026");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert").filter({ hasText: /Too many failed attempts\. Wait 1[45] minutes/ })).toBeVisible();

  // The owner, from another address, is slowed (at most 8 s) but not locked out.
  const owner = await browser.newContext({ extraHTTPHeaders: { "x-forwarded-for": "198.51.100.7" } });
  const ownerPage = await owner.newPage();
  await ownerPage.goto("/sign-in");
  await ownerPage.getByLabel("Email").fill(email);
  await ownerPage.getByLabel("Password").fill("target-pass-2026");
  await ownerPage.getByRole("button", { name: "Sign in" }).click();
  await expect(ownerPage).toHaveURL(/\/projects$/, { timeout: 20_000 });
  await owner.close();
});
