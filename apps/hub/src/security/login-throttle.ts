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
  /**
   * Counts a password-reset request; throws RATE_LIMITED past the limit. Applied whether or not the
   * email has an account, so the answer never tells which emails exist.
   */
  consumeResetRequest(key: { email: string; ip: string | null }): Promise<void>;
}

/** Reset emails per address per hour: enough for a typo or a lost mail, not enough to flood an inbox. */
export const RESET_REQUESTS_PER_HOUR = 5;
/** Reset requests per client IP per hour. */
export const RESET_REQUESTS_PER_IP_HOUR = 30;

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
  const resetByAccount = new RateLimiterDrizzle({
    storeClient: db,
    schema: schema.rateLimits,
    keyPrefix: 'reset_account',
    points: RESET_REQUESTS_PER_HOUR,
    duration: 60 * 60,
    clearExpiredByTimeout: false,
  });
  const resetByIp = new RateLimiterDrizzle({
    storeClient: db,
    schema: schema.rateLimits,
    keyPrefix: 'reset_ip',
    points: RESET_REQUESTS_PER_IP_HOUR,
    duration: 60 * 60,
    clearExpiredByTimeout: false,
  });
  return createThrottle(byAccount, byIp, resetByAccount, resetByIp);
}

function createThrottle(
  byAccount: RateLimiterAbstract,
  byIp: RateLimiterAbstract,
  resetByAccount: RateLimiterAbstract,
  resetByIp: RateLimiterAbstract,
): LoginThrottle {
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
    async consumeResetRequest({ email, ip }) {
      try {
        await Promise.all([resetByAccount.consume(email), ip ? resetByIp.consume(ip) : Promise.resolve()]);
      } catch (rejection) {
        if (rejection instanceof RateLimiterRes) {
          throw new AppError('RATE_LIMITED', {
            message: 'Too many password reset requests. Try again later.',
            retryAfterSeconds: Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)),
          });
        }
        throw rejection;
      }
    },
  };
}
