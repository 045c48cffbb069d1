import { execFile } from "node:child_process";
import path from "node:path";

/**
 * In development, Tailwind's class scan has Turbopack watch every folder of the checkout that git does not ignore
 * (.data/ is ignored): a DATA_DIR there would rebuild the CSS and reload the pages on each of the app's own writes.
 * The warning for such a DATA_DIR, or null.
 */
export async function watchedDataDirWarning(options: { dataDir: string; checkout: string }): Promise<string | null> {
  const relative = path.relative(path.resolve(options.checkout), path.resolve(options.dataDir));
  if (relative === "" || relative.startsWith("..") || path.isAbsolute(relative)) return relative === "" ? warning(options.dataDir) : null;
  // The trailing slash: DATA_DIR may not exist yet, and `.data/`-style patterns match directories only.
  // git check-ignore: 0 ignored, 1 not ignored, 128 not a repository (then Tailwind still reads .gitignore: say nothing).
  const code = await new Promise<number>((resolve) => {
    execFile("git", ["check-ignore", "-q", "--", `${relative}/`], { cwd: options.checkout }, (error) => resolve(error ? (typeof error.code === "number" ? error.code : 128) : 0));
  });
  return code === 1 ? warning(options.dataDir) : null;
}

function warning(dataDir: string): string {
  return `DATA_DIR ${dataDir} is inside the checkout and not git-ignored: the development server watches it, so the app's own writes reload the pages. Add it to .gitignore or move it outside the checkout.`;
}
