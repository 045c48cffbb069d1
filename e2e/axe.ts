import AxeBuilder from "@axe-core/playwright";
import { expect, type Page } from "@playwright/test";

/**
 * Fails the test on any serious or critical axe-core violation (WCAG 2.1 A/AA rules) on the page as it is now,
 * or only within `include` (a CSS selector) when a spec checks its own part of a page.
 */
export async function expectAccessible(page: Page, label: string, include?: string): Promise<void> {
  const builder = new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]);
  const results = await (include ? builder.include(include) : builder).analyze();
  const blocking = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  const described = blocking.map((v) => `${v.id} (${v.impact}, ${v.nodes.length}): ${v.help}\n  ${v.nodes.slice(0, 5).map((n) => n.target.join(" ")).join("\n  ")}`);
  expect(described, `axe-core on ${label}`).toEqual([]);
}

/** With DOCS_SCREENSHOTS=1, the page as it is now goes to docs/screenshots/<name>.png (the README's page table). */
export async function docsScreenshot(page: Page, name: string): Promise<void> {
  if (process.env.DOCS_SCREENSHOTS) await page.screenshot({ path: `docs/screenshots/${name}.png` });
}

/** axe-core at both sizes in the light theme, and in the dark theme the system asks for. */
export async function checkAtBothSizes(page: Page, label: string): Promise<void> {
  await page.setViewportSize({ width: 1440, height: 900 });
  await expectAccessible(page, `${label} at 1440x900`);
  await page.setViewportSize({ width: 390, height: 844 });
  await expectAccessible(page, `${label} at 390x844`);
  await page.emulateMedia({ colorScheme: "dark" });
  await expect(page.locator("html")).toHaveAttribute("data-theme", "dark");
  await expectAccessible(page, `${label} at 390x844, dark`);
  await page.setViewportSize({ width: 1440, height: 900 });
  await expectAccessible(page, `${label} at 1440x900, dark`);
  await page.emulateMedia({ colorScheme: "light" });
  await expect(page.locator("html")).toHaveAttribute("data-theme", "light");
}
