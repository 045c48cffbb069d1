import { rmSync } from "node:fs";
import { expect, test, type Page } from "@playwright/test";
import { extraServers, SHARED_DATABASE, SUITE_PORT } from "./extra-servers";
import { expectHydrated } from "./hydration";

/**
 * SIGNUP needs a server per mode: beside the suite's server (SIGNUP=open) this spec starts two more from the
 * same production build: an invite-only one on the suite's database, and a closed one on a fresh database.
 */
const PORT = SUITE_PORT;
const INVITE_ONLY_PORT = PORT + 5;
const CLOSED_PORT = PORT + 6;

const servers = extraServers();
const startServer = servers.start;

test.afterAll(async () => {
  await servers.stopAll();
  rmSync(".data/e2e-closed", { recursive: true, force: true });
});

function uniqueEmail(name: string): string {
  return `${name}-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.test`;
}

async function fillSignUp(page: Page, email: string, password: string) {
  await page.getByLabel("Name").fill("E2E User");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Create account" }).click();
}

test("invite-only: strangers are told to ask; a project owner's link admits one person, into the project", async ({ browser }) => {
  test.setTimeout(240_000);
  // The owner's account is made first, on the suite's open server (same database): the spec seeds its own
  // accounts, so alone on an empty database the invite-only server has an account and is past its first-account form.
  const owner = { email: uniqueEmail("inviter"), password: "inviter-pass-2026" };
  const openPage = await browser.newPage();
  await openPage.goto("/sign-up");
  await expectHydrated(openPage.getByRole("button", { name: "Create account" }));
  await fillSignUp(openPage, owner.email, owner.password);
  await expect(openPage).toHaveURL(/\/projects$/);
  await openPage.close();

  const base = await startServer(INVITE_ONLY_PORT, { SIGNUP: "invite-only", DATABASE_URL: SHARED_DATABASE, DATA_DIR: ".data/e2e" });
  const stranger = await browser.newPage({ baseURL: base });
  await stranger.goto("/sign-up");
  await expect(stranger.getByText("This server is invite-only. Ask an admin or a project's owner for an invitation link.")).toBeVisible();
  await expect(stranger.getByRole("button", { name: "Create account" })).toHaveCount(0);

  // Here the owner signs in and invites.

  const ownerPage = await browser.newPage({ baseURL: base });
  await ownerPage.goto("/sign-in");
  await ownerPage.getByLabel("Email").fill(owner.email);
  await ownerPage.getByLabel("Password").fill(owner.password);
  await ownerPage.getByRole("button", { name: "Sign in" }).click();
  await expect(ownerPage).toHaveURL(/\/projects$/);
  await ownerPage.getByRole("button", { name: "New project" }).click();
  await ownerPage.getByLabel("Name", { exact: true }).fill("invited-team");
  await ownerPage.getByRole("button", { name: "Create project" }).click();
  await expect(ownerPage.getByRole("heading", { name: "invited-team" })).toBeVisible();

  const invitee = uniqueEmail("invitee");
  await ownerPage.getByLabel("Invite someone without an account").fill(invitee);
  await ownerPage.getByRole("button", { name: "Create invitation link" }).click();
  const link = (await ownerPage.getByTestId("invitation-link").textContent())!.trim();
  expect(link).toContain(`${base}/sign-up?invite=acin_`);
  await expect(ownerPage.getByRole("list", { name: "Pending invitations" }).getByText(invitee)).toBeVisible();

  const inviteePage = await browser.newPage({ baseURL: base });
  await inviteePage.goto(link);
  await expect(inviteePage.getByLabel("Email")).toHaveValue(invitee);
  await fillSignUp(inviteePage, invitee, "invitee-pass-2026");
  await expect(inviteePage).toHaveURL(/\/projects$/);
  await expect(inviteePage.getByRole("list", { name: "Your projects" }).getByText("invited-team")).toBeVisible();

  // The link worked once.
  const again = await browser.newPage({ baseURL: base });
  await again.goto(link);
  await fillSignUp(again, uniqueEmail("second-use"), "second-use-2026");
  await expect(again.getByRole("alert").filter({ hasText: "This invitation is not valid for that email" })).toBeVisible();
});

test("closed, on a fresh install: the first account becomes the admin, then nobody else gets in", async ({ browser }) => {
  test.setTimeout(240_000);
  rmSync(".data/e2e-closed", { recursive: true, force: true });
  const base = await startServer(CLOSED_PORT, { SIGNUP: "closed", DATABASE_URL: "", DATA_DIR: ".data/e2e-closed", EMBEDDED_PG_PORT: String(PORT + 1006) });

  const first = await browser.newPage({ baseURL: base });
  await first.goto("/sign-up");
  await expect(first.getByText("This is the first account on this server: it will be the admin.")).toBeVisible();
  await fillSignUp(first, "admin@example.test", "admin-pass-2026");
  await expect(first).toHaveURL(/\/projects$/);
  await first.goto("/settings");
  await expect(first.getByRole("heading", { name: "Invitations" })).toBeVisible();

  const second = await browser.newPage({ baseURL: base });
  await second.goto("/sign-up");
  await expect(second.getByText("Sign-up is closed on this server. Ask its administrator for an account.")).toBeVisible();
  await expect(second.getByRole("button", { name: "Create account" })).toHaveCount(0);
});
