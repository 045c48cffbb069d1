/** The lexical half of path safety, pure (no node: imports) so schemas the browser loads can use it too. */
import { unsafePathCharacters } from "./path-characters";

export { unsafePathCharacters };

export type SafeRelativePath = { ok: true; relative: string } | { ok: false; reason: string };

const MAX_PATH_CHARS = 1024;

/**
 * A relative POSIX path inside the working copy, normalized ("./a//b.py" -> "a/b.py"), or why it is refused.
 * Pure, so the browser-facing schemas and the sandbox apply the same rule as the host.
 */
export function safeRelativePath(requested: string): SafeRelativePath {
  if (requested.trim() === "") return { ok: false, reason: "the path is empty" };
  if (requested.length > MAX_PATH_CHARS) return { ok: false, reason: `the path is longer than ${MAX_PATH_CHARS} characters` };
  const characters = unsafePathCharacters(requested);
  if (characters) return { ok: false, reason: characters };
  // Absolute paths (POSIX or Windows-style) would address files outside the working copy.
  if (requested.startsWith("/") || /^[a-zA-Z]:/.test(requested)) return { ok: false, reason: `absolute paths are not allowed ("${requested}"); give a path relative to the project root` };
  // A backslash is a separator on Windows and a file name character here: refused rather than guessed.
  if (requested.includes("\\")) return { ok: false, reason: `"${requested}" contains a backslash; separate folders with /` };
  const segments = requested.split("/");
  // Any ".." is refused outright rather than normalized, so no spelling can climb out of the root.
  if (segments.includes("..")) return { ok: false, reason: `"${requested}" climbs out of the project with '..'` };
  // .git holds hooks and config that git executes or obeys: a write there is code execution on the host.
  if (segments.some((s) => s.toLowerCase() === ".git")) return { ok: false, reason: `"${requested}" is inside .git, which is not allowed` };
  const relative = segments.filter((s) => s !== "" && s !== ".").join("/");
  if (relative === "") return { ok: false, reason: "the path names the project root itself, not a file" };
  return { ok: true, relative };
}

