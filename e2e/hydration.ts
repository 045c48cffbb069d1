import { expect, type Locator, type Page } from "@playwright/test";

/**
 * Waits until React has hydrated the element: React sets its `__reactProps$…` key on a node when it attaches
 * the node's props (and handlers). A click before that is lost, so specs wait for it instead of sleeping.
 */
export async function expectHydrated(target: Locator) {
  await expect
    .poll(() => target.evaluate((node) => Object.keys(node).some((key) => key.startsWith("__reactProps$"))), { timeout: 30_000 })
    .toBe(true);
}

/** Records every `new Notification(title)` the page makes (the real browser's, kept working) in window.__notifications. */
export async function recordNotifications(page: Page) {
  await page.context().grantPermissions(["notifications"]);
  await page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { __notifications: string[] }).__notifications = seen;
    const Real = window.Notification;
    if (!Real) return;
    window.Notification = class extends Real {
      constructor(title: string, options?: NotificationOptions) {
        seen.push(title);
        super(title, options);
      }
    } as typeof Notification;
  });
}

/** The titles of the notifications the page has raised so far. */
export function notificationsOf(page: Page) {
  return page.evaluate(() => (window as unknown as { __notifications?: string[] }).__notifications ?? []);
}
