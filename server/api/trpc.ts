import { initTRPC, TRPCError } from "@trpc/server";
import superjson from "superjson";
import { ZodError } from "zod";
import { authenticateApiToken } from "@/server/auth/api-tokens";
import { db, type Db } from "@/server/db/client";
import { AppError, GENERIC_ERROR_MESSAGE } from "@/server/errors";
import { toTRPCError } from "./errors";

export interface Context {
  db: Db;
  userId: string | null;
  /** How the caller proved who they are; API tokens cannot manage other API tokens. */
  authVia: "session" | "api-token" | null;
  headers: Headers;
}

/**
 * Builds the context of one request: a bearer API token when the Authorization header carries one,
 * otherwise the Auth.js session cookie. A bearer header that does not authenticate is never downgraded to
 * the cookie, so a script with a revoked token fails loudly instead of acting as whoever is signed in.
 */
export async function createContext(options: {
  headers: Headers;
  sessionUserId: () => Promise<string | null>;
}): Promise<Context> {
  const database = db();
  const authorization = options.headers.get("authorization");
  if (authorization?.toLowerCase().startsWith("bearer ")) {
    const userId = await authenticateApiToken({ db: database, token: authorization.slice(7).trim() });
    return { db: database, userId, authVia: userId ? "api-token" : null, headers: options.headers };
  }
  const userId = await options.sessionUserId();
  return { db: database, userId, authVia: userId ? "session" : null, headers: options.headers };
}

const t = initTRPC.context<Context>().create({
  transformer: superjson,
  errorFormatter({ shape, error }) {
    const zodError = error.cause instanceof ZodError ? error.cause : null;
    const internal = error.code === "INTERNAL_SERVER_ERROR";
    return {
      ...shape,
      // Internal errors never reach the person with their details; they are logged on the server.
      message: internal ? GENERIC_ERROR_MESSAGE : zodError ? (zodError.issues[0]?.message ?? shape.message) : shape.message,
      data: {
        code: shape.data.code,
        httpStatus: shape.data.httpStatus,
        path: shape.data.path,
        fieldErrors: zodError ? Object.fromEntries(zodError.issues.map((i) => [i.path.join("."), i.message])) : undefined,
      },
    };
  },
});

const mapAppErrors = t.middleware(async ({ next, path }) => {
  const result = await next();
  // next() never throws; a failed result carries the original error as its cause.
  if (!result.ok) {
    const cause = result.error.cause;
    if (cause instanceof AppError) {
      if (cause.code === "INTERNAL") console.error(`[trpc] ${path} failed:`, cause);
      throw toTRPCError(cause);
    }
    if (result.error.code === "INTERNAL_SERVER_ERROR") console.error(`[trpc] ${path} failed:`, cause ?? result.error);
  }
  return result;
});

export const createTRPCRouter = t.router;
export const createCallerFactory = t.createCallerFactory;
export const mergeRouters = t.mergeRouters;

export const publicProcedure = t.procedure.use(mapAppErrors);

export const protectedProcedure = publicProcedure.use(({ ctx, next }) => {
  if (!ctx.userId) throw new TRPCError({ code: "UNAUTHORIZED", message: "Sign in, or send a valid API token as `Authorization: Bearer <token>`." });
  return next({ ctx: { ...ctx, userId: ctx.userId } });
});

/** Procedures a personal API token may not reach (managing tokens and keys needs a signed-in browser). */
export const sessionProcedure = protectedProcedure.use(({ ctx, next }) => {
  if (ctx.authVia !== "session") throw new TRPCError({ code: "FORBIDDEN", message: "This needs a signed-in browser session, not an API token." });
  return next();
});
