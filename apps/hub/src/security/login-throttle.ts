/**
 * @module Login throttling per account and per client IP, stored in Postgres so every hub instance
 * shares the counters (rate-limiter-flexible's Drizzle store).
 */
import { AppError } from '@clockface/core';
import type { Database } from '@clockface/db-hub';
import { schema } from '@clockface/db-hub';
import { RateLimiterDrizzle, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';

/** Failed logins allowed per account in the window before it is blocked (ASVS 2.2.1 allows ≤ 100/hour). */
export const ACCOUNT_FAILURES_PER_WINDOW = 10;
/** Failed logins allowed from one IP in the window: catches spraying many accounts from one place. */
export const IP_FAILURES_PER_WINDOW = 50;
const WINDOW_SECONDS = 15 * 60;
/** Soft, time-based lock: never permanent, so an attacker cannot lock a user out for good. */
const BLOCK_SECONDS = 15 * 60;

export interface LoginThrottle {
  /** Throws RATE_LIMITED if the account or IP is currently blocked. */
  assertAllowed(key: { email: string; ip: string | null }): Promise<void>;
  /** Counts a failure; throws RATE_LIMITED when this failure crosses a limit. */
  recordFailure(key: { email: string; ip: string | null }): Promise<void>;
  /** A correct password clears the account's counter (the IP's keeps counting spraying). */
  recordSuccess(key: { email: string }): Promise<void>;
}

export function createLoginThrottle(db: Database): LoginThrottle {
  const common = {
    storeClient: db,
    schema: schema.rateLimits,
    duration: WINDOW_SECONDS,
    blockDuration: BLOCK_SECONDS,
  };
  // clearExpiredByTimeout off: its timer would keep tests alive; expired rows are overwritten in place.
  // `points` is what may be consumed without rejection: the Nth failure itself is answered 429 and starts the block.
  const byAccount = new RateLimiterDrizzle({
    ...common,
    keyPrefix: 'login_account',
    points: ACCOUNT_FAILURES_PER_WINDOW - 1,
    clearExpiredByTimeout: false,
  });
  const byIp = new RateLimiterDrizzle({
    ...common,
    keyPrefix: 'login_ip',
    points: IP_FAILURES_PER_WINDOW - 1,
    clearExpiredByTimeout: false,
  });
  return createThrottle(byAccount, byIp);
}

function createThrottle(byAccount: RateLimiterAbstract, byIp: RateLimiterAbstract): LoginThrottle {
  const limited = (msBeforeNext: number) =>
    new AppError('RATE_LIMITED', {
      message: 'Too many failed sign-in attempts. Try again later.',
      retryAfterSeconds: Math.max(1, Math.ceil(msBeforeNext / 1000)),
    });

  return {
    async assertAllowed({ email, ip }) {
      const [account, address] = await Promise.all([byAccount.get(email), ip ? byIp.get(ip) : null]);
      if (account && account.consumedPoints >= ACCOUNT_FAILURES_PER_WINDOW)
        throw limited(account.msBeforeNext);
      if (address && address.consumedPoints >= IP_FAILURES_PER_WINDOW) throw limited(address.msBeforeNext);
    },
    async recordFailure({ email, ip }) {
      try {
        await Promise.all([byAccount.consume(email), ip ? byIp.consume(ip) : Promise.resolve()]);
      } catch (rejection) {
        if (rejection instanceof RateLimiterRes) throw limited(rejection.msBeforeNext);
        throw rejection;
      }
    },
    async recordSuccess({ email }) {
      await byAccount.delete(email);
    },
  };
}
