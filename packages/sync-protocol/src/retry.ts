/**
 * What the sync client does after a request: classify the outcome, then back off and retry, stop, or
 * record. Exponential backoff with jitter and a cap, honouring Retry-After and an AbortSignal.
 *
 * Not p-retry: a Retry-After from the hub must replace the computed delay, and p-retry 7 can only
 * add to it. The loop is 30 lines and fully testable with an injected sleep and random source.
 */
import { randomInt } from 'node:crypto';
import { setTimeout as sleepFor } from 'node:timers/promises';
import type { TBatchAck, TEventAck } from '@clockface/contracts/sync';
import { AppError } from '@clockface/core';

export type SyncOutcome =
  | { kind: 'ok' }
  /** Network failure, 5xx, 429, 408: try again after `retryAfterMs` if the server said so. */
  | { kind: 'retry'; reason: 'network' | 'server' | 'rate_limited'; retryAfterMs?: number }
  /** 401 CLOCK_SKEW: re-measure the offset from the response `Date` header and retry at once. */
  | { kind: 'clock_skew'; serverDate?: Date }
  /** 401 TOKEN_REPLAYED: mint a fresh token and retry (a bug if it repeats). */
  | { kind: 'token_replayed' }
  /**
   * 401/403: stop syncing and mark the device revoked. `isConfirmed` only when the hub said
   * DEVICE_REVOKED: then wipe templates, PIN hashes and roster. Any other 401/403 stops without
   * wiping, so a hub bug (or a refused request) cannot erase a site's roster.
   */
  | { kind: 'revoked'; isConfirmed: boolean; code?: string }
  /** Any other 4xx: the request itself is wrong (400, 413, 422). Retrying it unchanged will not help. */
  | { kind: 'rejected'; status: number; code?: string };

/** How long a kiosk of a suspended organisation waits before asking the hub again. */
export const SUSPENDED_RETRY_MS = 15 * 60 * 1000;

export interface ResponseLike {
  status: number;
  headers: { get(name: string): string | null };
}

/** Parses Retry-After (delta-seconds or an HTTP date) into ms from `now`; undefined when absent or bad. */
export function parseRetryAfter(value: string | null, now: Date = new Date()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now.getTime());
}

/**
 * Classifies an HTTP response; `problemCode` is the `code` of the problem+json body when there is one.
 *
 * @example
 * const outcome = classifyResponse(response, (await response.json().catch(() => ({}))).code);
 */
export function classifyResponse(
  response: ResponseLike,
  problemCode?: string,
  now: Date = new Date(),
): SyncOutcome {
  const { status } = response;
  if (status >= 200 && status < 300) return { kind: 'ok' };
  const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), now);
  const withDelay = retryAfterMs === undefined ? {} : { retryAfterMs };
  if (status === 429) return { kind: 'retry', reason: 'rate_limited', ...withDelay };
  if (status === 408 || status >= 500) return { kind: 'retry', reason: 'server', ...withDelay };
  if (status === 401 && problemCode === 'CLOCK_SKEW') {
    const date = response.headers.get('date');
    const serverDate = date ? new Date(date) : undefined;
    return serverDate && !Number.isNaN(serverDate.getTime())
      ? { kind: 'clock_skew', serverDate }
      : { kind: 'clock_skew' };
  }
  if (status === 401 && problemCode === 'TOKEN_REPLAYED') return { kind: 'token_replayed' };
  // A suspended org comes back when the bill is paid: keep everything and ask again later.
  if (status === 403 && problemCode === 'ORGANIZATION_SUSPENDED') {
    return { kind: 'retry', reason: 'server', retryAfterMs: retryAfterMs ?? SUSPENDED_RETRY_MS };
  }
  if (status === 401 || status === 403) {
    const isConfirmed = problemCode === 'DEVICE_REVOKED';
    return problemCode === undefined
      ? { kind: 'revoked', isConfirmed }
      : { kind: 'revoked', isConfirmed, code: problemCode };
  }
  return problemCode === undefined
    ? { kind: 'rejected', status }
    : { kind: 'rejected', status, code: problemCode };
}

/** A thrown fetch error (DNS, refused, reset, timeout) is always worth a retry, unless we aborted. */
export function classifyError(error: unknown, signal?: AbortSignal): SyncOutcome {
  if (signal?.aborted) return { kind: 'rejected', status: 0, code: 'ABORTED' };
  if (error instanceof AppError && error.code === 'RATE_LIMITED') {
    return error.retryAfterSeconds === undefined
      ? { kind: 'retry', reason: 'rate_limited' }
      : { kind: 'retry', reason: 'rate_limited', retryAfterMs: error.retryAfterSeconds * 1000 };
  }
  return { kind: 'retry', reason: 'network' };
}

/** Splits a batch ack: ids to mark synced, and the events to keep with their reason (never resent). */
export function partitionAck(ack: TBatchAck): { settledIds: string[]; kept: TEventAck[] } {
  const settledIds: string[] = [];
  const kept: TEventAck[] = [];
  for (const result of ack.results) {
    if (result.status === 'accepted' || result.status === 'duplicate') settledIds.push(result.id);
    else kept.push(result);
  }
  return { settledIds, kept };
}

export interface BackoffOptions {
  /** First delay before jitter, ms. */
  baseMs?: number;
  factor?: number;
  /** Upper bound of any computed delay, ms (a hub down for a day is polled every capMs at most). */
  capMs?: number;
  /** Upper bound for a server-sent Retry-After, ms, so a bad header cannot park the kiosk for a year. */
  maxRetryAfterMs?: number;
  /** Returns a number in [0, 1); injectable for tests. Defaults to node:crypto. */
  random?: () => number;
}

const DEFAULT_BACKOFF = { baseMs: 1000, factor: 2, capMs: 5 * 60_000, maxRetryAfterMs: 60 * 60_000 };

function cryptoRandom(): number {
  return randomInt(0, 2 ** 32) / 2 ** 32;
}

/**
 * Delay before retry number `attempt` (1-based): "equal jitter", half fixed and half random, of
 * min(cap, base × factor^(attempt−1)); a Retry-After raises it (never lowers it), up to maxRetryAfterMs.
 */
export function backoffDelayMs(attempt: number, options: BackoffOptions = {}, retryAfterMs?: number): number {
  const { baseMs, factor, capMs, maxRetryAfterMs } = { ...DEFAULT_BACKOFF, ...options };
  const random = options.random ?? cryptoRandom;
  const exponential = Math.min(capMs, baseMs * factor ** Math.max(0, attempt - 1));
  const jittered = Math.round(exponential / 2 + random() * (exponential / 2));
  if (retryAfterMs === undefined) return jittered;
  return Math.min(maxRetryAfterMs, Math.max(jittered, retryAfterMs));
}

export interface RetryOptions extends BackoffOptions {
  /** Stop waiting and give up at once when aborted (shutdown). */
  signal?: AbortSignal;
  /** Retries after the first attempt; Infinity for the sync loop. */
  retries?: number;
  /** Decides what a thrown error means; default `classifyError`. */
  classify?: (error: unknown) => SyncOutcome;
  onRetry?: (info: { attempt: number; delayMs: number; outcome: SyncOutcome; error: unknown }) => void;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/**
 * Runs `operation` until it resolves, retrying only what classifies as `retry`; anything else is
 * rethrown at once. Aborting the signal rejects with the signal's reason.
 *
 * @example
 * const ack = await retryWithBackoff(() => pushBatch(batch), { signal, retries: Infinity, classify: toOutcome });
 */
export async function retryWithBackoff<T>(
  operation: (attempt: number) => Promise<T>,
  options: RetryOptions = {},
): Promise<T> {
  const classify = options.classify ?? ((error: unknown) => classifyError(error, options.signal));
  const sleep = options.sleep ?? ((ms: number, signal?: AbortSignal) => sleepFor(ms, undefined, { signal }));
  const retries = options.retries ?? 5;
  for (let attempt = 1; ; attempt += 1) {
    options.signal?.throwIfAborted();
    try {
      return await operation(attempt);
    } catch (error) {
      options.signal?.throwIfAborted();
      const outcome = classify(error);
      if (outcome.kind !== 'retry' || attempt > retries) throw error;
      const delayMs = backoffDelayMs(attempt, options, outcome.retryAfterMs);
      options.onRetry?.({ attempt, delayMs, outcome, error });
      try {
        await sleep(delayMs, options.signal);
      } catch (sleepError) {
        // Surface the caller's abort reason (e.g. "shutdown"), not the timer's generic AbortError.
        options.signal?.throwIfAborted();
        throw sleepError;
      }
    }
  }
}
