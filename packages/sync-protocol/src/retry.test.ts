import { describe, expect, it } from 'vitest';
import {
  backoffDelayMs,
  classifyResponse,
  parseRetryAfter,
  partitionAck,
  retryWithBackoff,
  type SyncOutcome,
} from './retry';

function response(status: number, headers: Record<string, string> = {}) {
  return { status, headers: new Headers(headers) };
}

describe('classifyResponse', () => {
  const now = new Date('2026-11-22T09:00:00Z');
  it.each<[number, string | undefined, Record<string, string>, SyncOutcome]>([
    [200, undefined, {}, { kind: 'ok' }],
    [503, undefined, {}, { kind: 'retry', reason: 'server' }],
    [500, undefined, { 'retry-after': '7' }, { kind: 'retry', reason: 'server', retryAfterMs: 7000 }],
    [
      429,
      'RATE_LIMITED',
      { 'retry-after': 'Sun, 22 Nov 2026 09:00:30 GMT' },
      { kind: 'retry', reason: 'rate_limited', retryAfterMs: 30_000 },
    ],
    [401, 'DEVICE_REVOKED', {}, { kind: 'revoked', isConfirmed: true, code: 'DEVICE_REVOKED' }],
    [403, undefined, {}, { kind: 'revoked', isConfirmed: false }],
    [403, 'FORBIDDEN', {}, { kind: 'revoked', isConfirmed: false, code: 'FORBIDDEN' }],
    [403, 'ORGANIZATION_SUSPENDED', {}, { kind: 'retry', reason: 'server', retryAfterMs: 15 * 60 * 1000 }],
    [401, 'UNAUTHENTICATED', {}, { kind: 'revoked', isConfirmed: false, code: 'UNAUTHENTICATED' }],
    [401, 'TOKEN_REPLAYED', {}, { kind: 'token_replayed' }],
    [
      401,
      'CLOCK_SKEW',
      { date: 'Sun, 22 Nov 2026 09:10:00 GMT' },
      { kind: 'clock_skew', serverDate: new Date('2026-11-22T09:10:00Z') },
    ],
    [413, 'PAYLOAD_TOO_LARGE', {}, { kind: 'rejected', status: 413, code: 'PAYLOAD_TOO_LARGE' }],
    [422, undefined, {}, { kind: 'rejected', status: 422 }],
  ])('%i %s → %o', (status, code, headers, expected) => {
    expect(classifyResponse(response(status, headers), code, now)).toEqual(expected);
  });

  it('ignores a Retry-After it cannot read', () => {
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(null)).toBeUndefined();
  });
});

describe('backoff', () => {
  it('grows exponentially with jitter between half and all of the step, and stops at the cap', () => {
    const low = { random: () => 0, baseMs: 100, capMs: 1000 };
    const high = { random: () => 0.999_999, baseMs: 100, capMs: 1000 };
    expect([1, 2, 3, 4, 5, 10].map((attempt) => backoffDelayMs(attempt, low))).toEqual([
      50, 100, 200, 400, 500, 500,
    ]);
    expect([1, 2, 3, 4, 5, 10].map((attempt) => backoffDelayMs(attempt, high))).toEqual([
      100, 200, 400, 800, 1000, 1000,
    ]);
  });

  it('lets Retry-After raise the delay but not past its own cap', () => {
    expect(backoffDelayMs(1, { random: () => 0, baseMs: 100 }, 5000)).toBe(5000);
    expect(backoffDelayMs(1, { random: () => 0, baseMs: 100, maxRetryAfterMs: 2000 }, 10 ** 9)).toBe(2000);
  });

  it('uses crypto randomness by default and stays within bounds', () => {
    for (let index = 0; index < 100; index += 1) {
      const delay = backoffDelayMs(3, { baseMs: 100 });
      expect(delay).toBeGreaterThanOrEqual(200);
      expect(delay).toBeLessThanOrEqual(400);
    }
  });
});

describe('retryWithBackoff', () => {
  it('retries network failures until success, sleeping the computed delays', async () => {
    const sleeps: number[] = [];
    let calls = 0;
    const result = await retryWithBackoff(
      async () => {
        calls += 1;
        if (calls < 3) throw new TypeError('fetch failed');
        return 'ack';
      },
      { random: () => 0, baseMs: 10, sleep: async (ms) => void sleeps.push(ms) },
    );
    expect(result).toBe('ack');
    expect(sleeps).toEqual([5, 10]);
  });

  it('rethrows at once what is not retryable, and gives up after the retries', async () => {
    const fatal = new Error('bad request');
    await expect(
      retryWithBackoff(() => Promise.reject(fatal), { classify: () => ({ kind: 'rejected', status: 400 }) }),
    ).rejects.toBe(fatal);
    let calls = 0;
    await expect(
      retryWithBackoff(
        () => {
          calls += 1;
          return Promise.reject(new TypeError('fetch failed'));
        },
        { retries: 2, sleep: async () => {} },
      ),
    ).rejects.toThrow('fetch failed');
    expect(calls).toBe(3);
  });

  it('stops waiting when the signal aborts (shutdown)', async () => {
    const controller = new AbortController();
    const started = Date.now();
    const promise = retryWithBackoff(() => Promise.reject(new TypeError('fetch failed')), {
      signal: controller.signal,
      baseMs: 60_000,
      retries: Infinity,
    });
    setTimeout(() => controller.abort(new Error('shutdown')), 20);
    await expect(promise).rejects.toThrow('shutdown');
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe('partitionAck', () => {
  it('settles accepted and duplicate ids and keeps the rest with their reasons', () => {
    const ack = {
      serverTime: '2026-11-22T09:00:00.000Z',
      results: [
        { id: '019a0000-0000-7000-8000-000000000001', status: 'accepted' as const },
        { id: '019a0000-0000-7000-8000-000000000002', status: 'duplicate' as const },
        { id: '019a0000-0000-7000-8000-000000000003', status: 'rejected' as const, code: 'EMPLOYEE_UNKNOWN' },
        { id: '019a0000-0000-7000-8000-000000000004', status: 'conflict' as const },
      ],
    };
    const { settledIds, kept } = partitionAck(ack);
    expect(settledIds).toHaveLength(2);
    expect(kept.map((item) => item.code ?? item.status)).toEqual(['EMPLOYEE_UNKNOWN', 'conflict']);
  });
});
