import { safeRelativePath } from "@/server/editing/safe-relative-path";
import { AppError } from "@/server/errors";

const MAX_PATH_LENGTH = 255;

/** A path inside the sandbox's workspace: the one lexical rule (safeRelativePath), normalized, and short enough for the container. */
export function validateSandboxPath(input: string): string {
  const checked = safeRelativePath(input);
  if (!checked.ok || checked.relative.length > MAX_PATH_LENGTH) {
    throw new AppError("BAD_REQUEST", `invalid sandbox file path: ${JSON.stringify(input)}`, {
      userMessage: `The file path ${JSON.stringify(input)} is not allowed: use a relative path inside the project, without "..".`,
    });
  }
  return checked.relative;
}
