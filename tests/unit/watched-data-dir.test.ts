import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { watchedDataDirWarning } from "@/server/boot/watched-data-dir";

describe("watchedDataDirWarning", () => {
  const checkout = mkdtempSync(path.join(tmpdir(), "autocode-checkout-"));
  execFileSync("git", ["init", "-q"], { cwd: checkout });
  writeFileSync(path.join(checkout, ".gitignore"), ".data/\n");
  afterAll(() => rmSync(checkout, { recursive: true, force: true }));

  it("says nothing for a git-ignored DATA_DIR or one outside the checkout", async () => {
    expect(await watchedDataDirWarning({ dataDir: path.join(checkout, ".data"), checkout })).toBeNull();
    expect(await watchedDataDirWarning({ dataDir: path.join(checkout, ".data", "e2e"), checkout })).toBeNull();
    expect(await watchedDataDirWarning({ dataDir: path.join(tmpdir(), "elsewhere"), checkout })).toBeNull();
  });

  it("warns for a DATA_DIR inside the checkout that git does not ignore, or the checkout itself", async () => {
    expect(await watchedDataDirWarning({ dataDir: path.join(checkout, "data"), checkout })).toMatch(/not git-ignored.*reload/);
    expect(await watchedDataDirWarning({ dataDir: checkout, checkout })).toMatch(/inside the checkout/);
  });
});
