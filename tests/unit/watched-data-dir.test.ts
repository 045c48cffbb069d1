import { mkdtempSync, rmSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import tailwind from "@tailwindcss/postcss";
import postcss from "postcss";
import { afterAll, describe, expect, it } from "vitest";
import { STYLE_SOURCE_FOLDERS, watchedDataDirWarning } from "@/server/boot/watched-data-dir";

describe("what the development server watches for the stylesheet (#19: the app reloading itself)", () => {
  it("the stylesheet depends on app/ and components/ only: no data, imported repositories, tests or bench output", async () => {
    // The real Tailwind pass over the real stylesheet: its dependency messages are what Turbopack watches.
    const from = path.resolve("app/globals.css");
    const result = await postcss([tailwind()]).process(await readFile(from, "utf8"), { from });
    const watched = result.messages
      .filter((m) => m.type === "dependency" || m.type === "dir-dependency")
      .map((m) => path.relative(process.cwd(), String(m.type === "dir-dependency" ? m.dir : m.file)));
    expect(watched.length).toBeGreaterThan(0);
    const outside = watched.filter((p) => !p.startsWith("node_modules/") && !STYLE_SOURCE_FOLDERS.some((folder) => p === folder || p.startsWith(`${folder}/`)));
    expect(outside).toEqual([]);
    // Classes used by the UI are still generated (a variant-only class and a plain one).
    expect(result.css).toContain(".shrink-0");
    expect(result.css).toContain("focus\\:fixed");
  }, 60_000);

  const checkout = mkdtempSync(path.join(tmpdir(), "autocode-checkout-"));
  afterAll(() => rmSync(checkout, { recursive: true, force: true }));

  it("says nothing for a DATA_DIR anywhere but the style sources, the checkout itself included", async () => {
    for (const dataDir of [path.join(checkout, ".data"), path.join(checkout, "data"), checkout, path.join(tmpdir(), "elsewhere"), path.join(checkout, "application")]) {
      expect(await watchedDataDirWarning({ dataDir, checkout })).toBeNull();
    }
  });

  it("warns for a DATA_DIR inside app/ or components/", async () => {
    expect(await watchedDataDirWarning({ dataDir: path.join(checkout, "app", "data"), checkout })).toMatch(/inside app\/.*reload/);
    expect(await watchedDataDirWarning({ dataDir: path.join(checkout, "components"), checkout })).toMatch(/inside components\//);
  });
});
