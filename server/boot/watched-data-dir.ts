import path from "node:path";

/**
 * The folders app/globals.css names as Tailwind's sources (`@source`). In development Turbopack watches them as
 * the stylesheet's dependencies, so a write inside them rebuilds the CSS and reloads every page; nothing else of
 * the checkout is watched that way (the automatic scan, which watched every folder git does not ignore, is off).
 */
export const STYLE_SOURCE_FOLDERS = ["app", "components"] as const;

/** The warning for a DATA_DIR inside one of the style sources (the app would reload itself on its own writes), or null. */
export async function watchedDataDirWarning(options: { dataDir: string; checkout: string }): Promise<string | null> {
  const dataDir = path.resolve(options.dataDir);
  for (const folder of STYLE_SOURCE_FOLDERS) {
    const relative = path.relative(path.resolve(options.checkout, folder), dataDir);
    if (relative === "" || !(relative.startsWith("..") || path.isAbsolute(relative))) {
      return `DATA_DIR ${options.dataDir} is inside ${folder}/, which the development server watches for the stylesheet: the app's own writes would reload the pages. Move it (the default .data is fine).`;
    }
  }
  return null;
}
