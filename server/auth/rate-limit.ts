import { AppError } from "@/server/errors";

interface Window {
  count: number;
  resetAt: number;
}

/**
 * Fixed-window counters kept in process memory. Only failures are counted, so people who type their password
 * right are never slowed, while guessing against one account or from one address is. With several web
 * processes each keeps its own counts, which still bounds guessing per process.
 */
export class RateLimiter {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  /** Throws TOO_MANY_REQUESTS while key has used up its failures for the current window. */
  check(key: string, now = Date.now()): void {
    const window = this.windows.get(key);
    if (!window || window.resetAt <= now || window.count < this.limit) return;
    const minutes = Math.ceil((window.resetAt - now) / 60_000);
    throw new AppError("TOO_MANY_REQUESTS", `Too many failed attempts. Wait ${minutes} minute${minutes === 1 ? "" : "s"} and try again.`);
  }

  /** Failures counted for key in its current window. */
  count(key: string, now = Date.now()): number {
    const window = this.windows.get(key);
    return window && window.resetAt > now ? window.count : 0;
  }

  /** Counts one failure for key. */
  fail(key: string, now = Date.now()): void {
    if (this.windows.size > 10_000) this.prune(now);
    const window = this.windows.get(key);
    if (!window || window.resetAt <= now) this.windows.set(key, { count: 1, resetAt: now + this.windowMs });
    else window.count += 1;
  }

  private prune(now: number): void {
    for (const [key, window] of this.windows) if (window.resetAt <= now) this.windows.delete(key);
  }
}

interface AuthLimiters {
  /** One account from one address: the guesser is stopped, the owner elsewhere is not. */
  pair: RateLimiter;
  address: RateLimiter;
  /** Never refuses: its count only sets how long attempts on the account wait (see signInDelayMs). */
  account: RateLimiter;
}

const holder = globalThis as { __autocodeAuthLimiters?: AuthLimiters };

/**
 * 10 failed sign-ins per account and address, and 50 per address, every 15 minutes (an office behind one
 * address shares the second budget, hence the higher figure); failures per account only slow attempts.
 */
export function authLimiters(): AuthLimiters {
  holder.__autocodeAuthLimiters ??= {
    pair: new RateLimiter(10, 15 * 60_000),
    address: new RateLimiter(50, 15 * 60_000),
    account: new RateLimiter(Number.POSITIVE_INFINITY, 15 * 60_000),
  };
  return holder.__autocodeAuthLimiters;
}
