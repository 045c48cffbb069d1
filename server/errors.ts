/**
 * The one error type of the domain. Services throw AppError; server/api maps the code to a tRPC code
 * and HTTP status in exactly one place (the errorFormatter), so no service imports tRPC.
 */
export const AppErrorCode = {
  BAD_REQUEST: "BAD_REQUEST",
  UNAUTHORIZED: "UNAUTHORIZED",
  FORBIDDEN: "FORBIDDEN",
  NOT_FOUND: "NOT_FOUND",
  CONFLICT: "CONFLICT",
  TOO_MANY_REQUESTS: "TOO_MANY_REQUESTS",
  /** A dependency the operation needs (Docker engine, sandbox image, model endpoint, Chroma) is missing. */
  UNAVAILABLE: "UNAVAILABLE",
  TIMEOUT: "TIMEOUT",
  INTERNAL: "INTERNAL",
} as const;
export type AppErrorCode = (typeof AppErrorCode)[keyof typeof AppErrorCode];

/**
 * The custom server (tsx) and Next's bundle each load this module, and long-lived services made by one are
 * called from the other: a brand, not the class identity, says what is an AppError, or one copy's NOT_FOUND
 * would reach the other as an unknown error (e.g. "Chroma unreachable" for a memory that does not exist).
 */
const BRAND = Symbol.for("autocode.AppError");

export class AppError extends Error {
  readonly code: AppErrorCode;
  /** Safe to show to the person; says what went wrong and, where possible, what to do next. */
  readonly userMessage: string;

  constructor(code: AppErrorCode, message: string, options?: { cause?: unknown; userMessage?: string }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "AppError";
    this.code = code;
    this.userMessage = options?.userMessage ?? message;
    Object.defineProperty(this, BRAND, { value: true });
  }

  static [Symbol.hasInstance](value: unknown): boolean {
    // Subclasses (GitCommandError) keep the ordinary prototype check.
    if (this !== AppError) return Function.prototype[Symbol.hasInstance].call(this, value);
    return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }

  static is(error: unknown, code?: AppErrorCode): error is AppError {
    return error instanceof AppError && (code === undefined || error.code === code);
  }
}

export const HTTP_STATUS_BY_CODE: Record<AppErrorCode, number> = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  TOO_MANY_REQUESTS: 429,
  UNAVAILABLE: 503,
  TIMEOUT: 504,
  INTERNAL: 500,
};

export const GENERIC_ERROR_MESSAGE = "Something went wrong on our side. Try again; if it keeps happening, check the server log.";

/**
 * What a caller may be shown of an error. Domain errors carry a message written for people; internal ones
 * (and anything unexpected) may hold paths or tool output, so they are logged here and answered generically.
 */
export function toPublicError(error: unknown, context: string): { code: AppErrorCode; message: string; status: number } {
  if (error instanceof AppError && error.code !== "INTERNAL") {
    return { code: error.code, message: error.userMessage, status: HTTP_STATUS_BY_CODE[error.code] };
  }
  console.error(`[${context}]`, error);
  return { code: "INTERNAL", message: GENERIC_ERROR_MESSAGE, status: 500 };
}

/**
 * The one text a run's record shows for an error (its viewers, share links included, read it): a domain
 * error's message for people; anything else is logged here and recorded generically.
 */
export function errorText(error: unknown, context = "run"): string {
  return toPublicError(error, context).message;
}
