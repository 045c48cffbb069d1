import { unsafePathCharacters } from "@/server/editing/path-characters";
import { AppError } from "@/server/errors";

const MAX_PATH_LENGTH = 255;

/** Relative POSIX path inside the workspace: no absolute paths, no "..", no backslashes or control bytes. */
export function validateSandboxPath(input: string): string {
  const path = input.startsWith("./") ? input.slice(2) : input;
  const parts = path.split("/");
  const bad =
    path === "" ||
    path.length > MAX_PATH_LENGTH ||
    path.startsWith("/") ||
    path.includes("\\") ||
    unsafePathCharacters(path) !== undefined ||
    parts.some((part) => part === "" || part === "." || part === "..");
  if (bad) {
    throw new AppError("BAD_REQUEST", `invalid sandbox file path: ${JSON.stringify(input)}`, {
      userMessage: `The file path ${JSON.stringify(input)} is not allowed: use a relative path inside the project, without "..".`,
    });
  }
  return path;
}
