import { AppError } from "@/server/errors";

interface Window {
  count: number;
  resetAt: number;
}

/**
 * A fixed-window limiter kept in process memory. It slows password guessing against one account or from one
 * address; with several web processes each keeps its own count, which still bounds guessing per process.
 */
export class RateLimiter {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  /** Counts one attempt for key; throws TOO_MANY_REQUESTS once the key is over its limit. */
  hit(key: string, now = Date.now()): void {
    if (this.windows.size > 10_000) this.prune(now);
    const window = this.windows.get(key);
    if (!window || window.resetAt <= now) {
      this.windows.set(key, { count: 1, resetAt: now + this.windowMs });
      return;
    }
    window.count += 1;
    if (window.count > this.limit) {
      const minutes = Math.ceil((window.resetAt - now) / 60_000);
      throw new AppError("TOO_MANY_REQUESTS", `Too many attempts. Wait ${minutes} minute${minutes === 1 ? "" : "s"} and try again.`);
    }
  }

  private prune(now: number): void {
    for (const [key, window] of this.windows) if (window.resetAt <= now) this.windows.delete(key);
  }
}

const holder = globalThis as { __autocodeAuthLimiter?: RateLimiter };

/** 10 sign-in or sign-up attempts per email and per client address every 15 minutes. */
export function authLimiter(): RateLimiter {
  holder.__autocodeAuthLimiter ??= new RateLimiter(10, 15 * 60_000);
  return holder.__autocodeAuthLimiter;
}
