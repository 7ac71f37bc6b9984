/**
 * @module Rate limits for kiosks, in Postgres so every hub instance shares the counters
 * (rate-limiter-flexible's Drizzle store, like the login throttle): requests per device per minute
 * (DEV-07) and registration attempts per client IP and per enrollment token (DEV-01).
 */
import { AppError } from '@clockface/core';
import { schema, type Database } from '@clockface/db-hub';
import { RateLimiterDrizzle, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';

/** Default registration attempts per client IP per 15 minutes: a site installing a dozen kiosks fits. */
export const REGISTRATIONS_PER_IP = 30;
/** Default attempts per enrollment token per 15 minutes, whatever the outcome: guessing is pointless anyway (256 bits). */
export const REGISTRATIONS_PER_TOKEN = 10;
const REGISTRATION_WINDOW_SECONDS = 15 * 60;

export interface DeviceThrottleOptions {
  /** Requests per device per minute; 0 = no limit. */
  requestsPerMinute: number;
  /** Registration attempts per enrollment token per 15 minutes (config DEVICE_REGISTRATIONS_PER_TOKEN); 0 = no limit. */
  registrationsPerToken?: number;
  /** Registration attempts per client IP per 15 minutes (config DEVICE_REGISTRATIONS_PER_IP); 0 = no limit. */
  registrationsPerIp?: number;
}

export interface DeviceThrottle {
  /** Throws RATE_LIMITED (429 with Retry-After) past the per-device limit. */
  consumeRequest(deviceId: string): Promise<void>;
  /** Throws RATE_LIMITED past the per-IP or per-token registration limit. */
  consumeRegistration(key: { ip: string | null; tokenHash: string }): Promise<void>;
}

export function createDeviceThrottle(db: Database, options: DeviceThrottleOptions): DeviceThrottle {
  // clearExpiredByTimeout off: its timer would keep tests alive; expired rows are overwritten in place.
  const limiter = (keyPrefix: string, points: number, duration: number) =>
    new RateLimiterDrizzle({
      storeClient: db,
      schema: schema.rateLimits,
      keyPrefix,
      points,
      duration,
      clearExpiredByTimeout: false,
    });
  const perDevice =
    options.requestsPerMinute > 0 ? limiter('device_requests', options.requestsPerMinute, 60) : undefined;
  const perIpLimit = options.registrationsPerIp ?? REGISTRATIONS_PER_IP;
  const perTokenLimit = options.registrationsPerToken ?? REGISTRATIONS_PER_TOKEN;
  const perIp = perIpLimit > 0 ? limiter('register_ip', perIpLimit, REGISTRATION_WINDOW_SECONDS) : undefined;
  const perToken =
    perTokenLimit > 0 ? limiter('register_token', perTokenLimit, REGISTRATION_WINDOW_SECONDS) : undefined;

  async function consume(limiters: [RateLimiterAbstract, string][], message: string) {
    try {
      await Promise.all(limiters.map(([rateLimiter, key]) => rateLimiter.consume(key)));
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) {
        throw new AppError('RATE_LIMITED', {
          message,
          retryAfterSeconds: Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)),
        });
      }
      throw rejection;
    }
  }

  return {
    async consumeRequest(deviceId) {
      if (!perDevice) return;
      await consume(
        [[perDevice, deviceId]],
        `More than ${options.requestsPerMinute} requests a minute from this device`,
      );
    },
    async consumeRegistration({ ip, tokenHash }) {
      const limiters: [RateLimiterAbstract, string][] = [];
      if (perToken) limiters.push([perToken, tokenHash]);
      if (perIp && ip) limiters.push([perIp, ip]);
      await consume(limiters, 'Too many registration attempts. Try again later.');
    },
  };
}
