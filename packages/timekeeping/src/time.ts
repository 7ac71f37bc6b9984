/**
 * @module Zone-aware date helpers over temporal-polyfill (used as a ponyfill, never the global).
 *
 * Internally instants are epoch milliseconds (numbers sort and subtract cheaply); Temporal is only
 * used to cross between instants and local wall-clock dates. Every local→instant conversion passes
 * `disambiguation: 'compatible'` explicitly (../shared/notes/libraries.md §5): a time in a spring-forward
 * gap moves later by the gap, an ambiguous fall-back time takes the earlier (first) occurrence.
 */
import { AppError } from '@clockface/core';
import { Temporal } from 'temporal-polyfill';
import type { IsoInstant, LocalDate, LocalTime, Weekday } from './types';

export const MS_PER_MINUTE = 60_000;
const DISAMBIGUATION = 'compatible' as const;
const LOCAL_DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
const LOCAL_TIME_RE = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** Throws VALIDATION_FAILED unless `zone` is an IANA zone the runtime knows. */
export function assertTimeZone(zone: string, path = 'timeZone'): void {
  try {
    Temporal.PlainDate.from('2000-01-01').toZonedDateTime({ timeZone: zone });
  } catch (cause) {
    throw new AppError('VALIDATION_FAILED', {
      message: `Expected an IANA time zone, got ${JSON.stringify(zone)}`,
      issues: [{ path, message: 'Unknown time zone' }],
      cause,
    });
  }
}

/** The ECMAScript date-time format `Date.parse` reads exactly; anything else goes through Temporal. */
const SIMPLE_INSTANT_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;

/** Parses an ISO instant (any offset) to epoch ms; throws VALIDATION_FAILED naming `path`. */
export function parseInstant(iso: string, path: string): number {
  if (SIMPLE_INSTANT_RE.test(iso)) {
    const ms = Date.parse(iso);
    if (!Number.isNaN(ms)) return ms;
  }
  try {
    return Temporal.Instant.from(iso).epochMilliseconds;
  } catch (cause) {
    throw new AppError('VALIDATION_FAILED', {
      message: `Expected an ISO instant with an offset at ${path}, got ${JSON.stringify(iso)}`,
      issues: [{ path, message: 'Invalid instant' }],
      cause,
    });
  }
}

export function assertLocalDate(date: string, path: string): void {
  // Round-tripping through UTC rejects 2026-02-30 and friends without a Temporal call.
  const ok = typeof date === 'string' && LOCAL_DATE_RE.test(date) && utcDateOf(utcMsOf(date)) === date;
  if (!ok) {
    throw new AppError('VALIDATION_FAILED', {
      message: `Expected a YYYY-MM-DD date at ${path}, got ${JSON.stringify(date)}`,
      issues: [{ path, message: 'Invalid date' }],
    });
  }
}

export function assertLocalTime(time: string, path: string): void {
  if (!LOCAL_TIME_RE.test(time)) {
    throw new AppError('VALIDATION_FAILED', {
      message: `Expected a HH:MM time at ${path}, got ${JSON.stringify(time)}`,
      issues: [{ path, message: 'Invalid time' }],
    });
  }
}

/** Epoch ms → UTC ISO string (`2026-03-29T01:00:00Z`, with `.sss` only when there are milliseconds). */
export function toIso(ms: number): string {
  const iso = new Date(ms).toISOString();
  return iso.endsWith('.000Z') ? `${iso.slice(0, -5)}Z` : iso;
}

/**
 * Offset segments per zone: `[start, end)` intervals of constant UTC offset, bounded by the zone's
 * transitions. Found lazily with Temporal and shared by every projection in the process, because
 * converting each punch through Temporal costs ~40 µs and a year of an org's punches is ~10⁶ of them.
 */
interface OffsetSegment {
  start: number;
  end: number;
  offset: number;
}
const SEGMENTS = new Map<string, OffsetSegment[]>();

/** The zone's UTC offset at an instant, in ms (e.g. +3,600,000 for CET). */
export function offsetMsAt(ms: number, zone: string): number {
  let segments = SEGMENTS.get(zone);
  if (!segments) SEGMENTS.set(zone, (segments = []));
  let lo = 0;
  let hi = segments.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const seg = segments[mid]!;
    if (ms < seg.start) hi = mid;
    else if (ms >= seg.end) lo = mid + 1;
    else return seg.offset;
  }
  const zoned = Temporal.Instant.fromEpochMilliseconds(ms).toZonedDateTimeISO(zone);
  // 'previous' is strictly before its instant: ask from 1 ms later so a transition exactly at `ms` counts.
  const previous = Temporal.Instant.fromEpochMilliseconds(ms + 1)
    .toZonedDateTimeISO(zone)
    .getTimeZoneTransition('previous');
  const next = zoned.getTimeZoneTransition('next');
  const segment = {
    start: previous?.epochMilliseconds ?? -Infinity,
    end: next?.epochMilliseconds ?? Infinity,
    offset: zoned.offsetNanoseconds / 1e6,
  };
  segments.splice(lo, 0, segment);
  return segment.offset;
}

/** The local calendar date of an instant in `zone`. */
export function localDateOf(ms: number, zone: string): LocalDate {
  return utcDateOf(ms + offsetMsAt(ms, zone));
}

/**
 * The local calendar date of an ISO instant in `zone` (the hub's "which day is this punch").
 *
 * @example
 * getLocalDate('2026-03-31T23:30:00Z', 'Europe/Berlin'); // '2026-04-01'
 */
export function getLocalDate(instant: IsoInstant, zone: string): LocalDate {
  return localDateOf(parseInstant(instant, 'instant'), zone);
}

/** Day-level results repeat across employees of one org: memoised, bounded. */
const DAY_CACHE = new Map<string, number>();
const DAY_CACHE_LIMIT = 100_000;

function memo(key: string, compute: () => number): number {
  const hit = DAY_CACHE.get(key);
  if (hit !== undefined) return hit;
  if (DAY_CACHE.size >= DAY_CACHE_LIMIT) DAY_CACHE.clear();
  const value = compute();
  DAY_CACHE.set(key, value);
  return value;
}

/**
 * Epoch ms of the first instant of a local date. Usually 00:00, but not always: where DST starts at
 * midnight (America/Santiago) the day begins at 01:00.
 */
export function startOfLocalDay(date: LocalDate, zone: string): number {
  return memo(
    `${zone}|${date}`,
    () => Temporal.PlainDate.from(date).toZonedDateTime({ timeZone: zone }).epochMilliseconds,
  );
}

/** Epoch ms of a wall-clock time on a local date (gap → later, overlap → earlier occurrence). */
export function localDateTimeToMs(date: LocalDate, time: LocalTime, zone: string): number {
  return memo(`${zone}|${date}|${time}`, () => {
    const [hour, minute] = time.split(':').map(Number) as [number, number];
    const d = Temporal.PlainDate.from(date);
    return Temporal.ZonedDateTime.from(
      { year: d.year, month: d.month, day: d.day, hour, minute, timeZone: zone },
      { disambiguation: DISAMBIGUATION },
    ).epochMilliseconds;
  });
}

/** Minutes in a local day: 1440, or 1380 / 1500 on DST change days (1410 / 1470 on Lord Howe). */
export function minutesInLocalDay(date: LocalDate, zone: string): number {
  return (startOfLocalDay(addDays(date, 1), zone) - startOfLocalDay(date, zone)) / MS_PER_MINUTE;
}

// Calendar arithmetic on plain dates needs no zone: proleptic Gregorian through Date's UTC fields.
const MS_PER_DAY = 86_400_000;

function utcMsOf(date: LocalDate): number {
  return Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10)));
}

function utcDateOf(ms: number): LocalDate {
  return new Date(ms).toISOString().slice(0, 10);
}

export function addDays(date: LocalDate, days: number): LocalDate {
  return utcDateOf(utcMsOf(date) + days * MS_PER_DAY);
}

/** Whole days from `a` to `b` (positive when b is later). */
export function daysBetween(a: LocalDate, b: LocalDate): number {
  return Math.round((utcMsOf(b) - utcMsOf(a)) / MS_PER_DAY);
}

export function weekdayOf(date: LocalDate): Weekday {
  return (((new Date(utcMsOf(date)).getUTCDay() + 6) % 7) + 1) as Weekday;
}

/** The first date of the week (starting on `weekStart`) that contains `date`. */
export function startOfWeek(date: LocalDate, weekStart: Weekday): LocalDate {
  const back = (weekdayOf(date) - weekStart + 7) % 7;
  return addDays(date, -back);
}

/** Every date from `from` to `to`, inclusive. */
export function eachDate(from: LocalDate, to: LocalDate): LocalDate[] {
  const out: LocalDate[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) out.push(d);
  return out;
}
