import type { Db } from "@/server/db/client";
import { AppError } from "@/server/errors";
import { type SessionUser, verifyCredentials } from "./credentials";
import { authLimiters } from "./rate-limit";

/** Failures on an account (from anywhere) before each further attempt on it waits. */
const FREE_FAILURES = 3;
const FIRST_DELAY_MS = 250;
const MAX_DELAY_MS = 8_000;

/** How long an attempt on an account waits after `failures` recent failures: doubling, capped, never a lock. */
export function signInDelayMs(failures: number): number {
  if (failures < FREE_FAILURES) return 0;
  return Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** (failures - FREE_FAILURES));
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Checks a password under the sign-in limits. A guesser is stopped per account *and address* (10 failures)
 * and per address (50), and every attempt on an account that is being guessed waits longer; but the
 * owner, from another address, always gets in (after at most MAX_DELAY_MS): nobody can lock anyone out.
 */
export async function signInWithPassword(options: {
  db: Db;
  email: string;
  password: string;
  address: string;
  wait?: (ms: number) => Promise<void>;
}): Promise<SessionUser> {
  const account = options.email.trim().toLowerCase();
  const pair = `${account}\n${options.address}`;
  const limits = authLimiters();
  limits.pair.check(pair);
  limits.address.check(options.address);
  const delay = signInDelayMs(limits.account.count(account));
  if (delay > 0) await (options.wait ?? sleep)(delay);
  try {
    return await verifyCredentials(options);
  } catch (error) {
    if (AppError.is(error, "UNAUTHORIZED")) {
      limits.pair.fail(pair);
      limits.address.fail(options.address);
      limits.account.fail(account);
    }
    throw error;
  }
}
