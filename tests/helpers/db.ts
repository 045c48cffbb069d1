import { randomUUID } from "node:crypto";
import { appRouter } from "@/server/api/root";
import { createCallerFactory, type Context } from "@/server/api/trpc";
import { signUp } from "@/server/auth/credentials";
import { db } from "@/server/db/client";

const createCaller = createCallerFactory(appRouter);

export function testDb() {
  return db();
}

export async function createTestUser(name = "user") {
  const email = `${name}-${randomUUID().slice(0, 8)}@example.test`;
  const user = await signUp({ db: db(), input: { email, password: "correct-horse-42", name } });
  return { ...user, email, password: "correct-horse-42" };
}

/** A tRPC caller acting as a user, through the same middleware chain as HTTP requests. */
export function callerFor(userId: string | null, authVia: Context["authVia"] = userId ? "session" : null) {
  return createCaller({ db: db(), userId, authVia, headers: new Headers() });
}
