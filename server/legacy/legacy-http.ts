import type { Db } from "@/server/db/client";
import { AppError, toPublicError } from "@/server/errors";

/** Request bodies above this are refused before parsing; a task is capped far lower (MAX_TASK_CHARS). */
export const MAX_BODY_BYTES = 1024 * 1024;
export const PROJECT_HEADER = "x-project-id";

const MISSING_PROJECT =
  "Choose the project: send the header `X-Project-Id: <project id>` or the body field `project_id`. The id is the last part of the project page's address (/projects/<id>). Or use the project's Client URL (on the project page), which needs no id and no header.";

/**
 * Errors as the original FastAPI app sent them: `{ "detail": message }` (which old clients already read),
 * plus a machine-readable `code`, and `run_id` when a run exists.
 */
export function errorResponse(error: unknown, extra: Record<string, unknown> = {}): Response {
  const { code, message, status } = toPublicError(error, "legacy-api");
  return Response.json({ detail: message, code, ...extra }, { status: error instanceof BodyTooLargeError ? 413 : status });
}

/** The JSON body as an object, refusing oversize and malformed bodies before anything is written. */
export async function readJsonBody(req: Request): Promise<Record<string, unknown>> {
  const declared = Number(req.headers.get("content-length") ?? 0);
  if (declared > MAX_BODY_BYTES) throw tooLarge();
  const text = await readLimited(req);
  if (!text.trim()) throw new AppError("BAD_REQUEST", 'The request body is empty; send JSON such as {"task": "...", "context_files": []}.');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new AppError("BAD_REQUEST", `The request body is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new AppError("BAD_REQUEST", "The request body must be a JSON object.");
  return value as Record<string, unknown>;
}

/** A BAD_REQUEST that answers 413, the status proxies and clients expect for an oversize body. */
export class BodyTooLargeError extends AppError {
  constructor() {
    super("BAD_REQUEST", `The request body is larger than ${MAX_BODY_BYTES / 1024} KiB. Put long material in the repository and name it in context_files.`);
  }
}

const tooLarge = () => new BodyTooLargeError();

async function readLimited(req: Request): Promise<string> {
  if (!req.body) return "";
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    // Counted as it arrives: a missing or false Content-Length cannot make us buffer an unbounded body.
    if (size > MAX_BODY_BYTES) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** The project a request is about: the X-Project-Id header, else the body's project_id; BAD_REQUEST when neither. */
export function projectIdOf(headerValue: string | null | undefined, bodyValue: unknown): string {
  const fromHeader = headerValue?.trim();
  if (fromHeader) return fromHeader;
  if (typeof bodyValue === "string" && bodyValue.trim()) return bodyValue.trim();
  if (bodyValue !== undefined && bodyValue !== null && typeof bodyValue !== "string") throw new AppError("BAD_REQUEST", "project_id must be a string.");
  throw new AppError("BAD_REQUEST", MISSING_PROJECT);
}
