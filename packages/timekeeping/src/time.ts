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
import type { LocalDate, LocalTime, Weekday } from './types';

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

/** Parses an ISO instant (any offset) to epoch ms; throws VALIDATION_FAILED naming `path`. */
export function parseInstant(iso: string, path: string): number {
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
  let ok = LOCAL_DATE_RE.test(date);
  if (ok) {
    try {
      Temporal.PlainDate.from(date, { overflow: 'reject' });
    } catch {
      ok = false;
    }
  }
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

/** Epoch ms → UTC ISO string (`…Z`), the only instant format the projection emits. */
export function toIso(ms: number): string {
  return Temporal.Instant.fromEpochMilliseconds(ms).toString();
}

/** The local calendar date of an instant in `zone`. */
export function localDateOf(ms: number, zone: string): LocalDate {
  return Temporal.Instant.fromEpochMilliseconds(ms).toZonedDateTimeISO(zone).toPlainDate().toString();
}

/** The zone's UTC offset at an instant, in ms (e.g. +3,600,000 for CET). */
export function offsetMsAt(ms: number, zone: string): number {
  return Temporal.Instant.fromEpochMilliseconds(ms).toZonedDateTimeISO(zone).offsetNanoseconds / 1e6;
}

/**
 * Epoch ms of the first instant of a local date. Usually 00:00, but not always: where DST starts at
 * midnight (America/Santiago) the day begins at 01:00.
 */
export function startOfLocalDay(date: LocalDate, zone: string): number {
  return Temporal.PlainDate.from(date).toZonedDateTime({ timeZone: zone }).epochMilliseconds;
}

/** Epoch ms of a wall-clock time on a local date (gap → later, overlap → earlier occurrence). */
export function localDateTimeToMs(date: LocalDate, time: LocalTime, zone: string): number {
  const [hour, minute] = time.split(':').map(Number) as [number, number];
  const d = Temporal.PlainDate.from(date);
  return Temporal.ZonedDateTime.from(
    { year: d.year, month: d.month, day: d.day, hour, minute, timeZone: zone },
    { disambiguation: DISAMBIGUATION },
  ).epochMilliseconds;
}

/** Minutes in a local day: 1440, or 1380 / 1500 on DST change days (1410 / 1470 on Lord Howe). */
export function minutesInLocalDay(date: LocalDate, zone: string): number {
  return (startOfLocalDay(addDays(date, 1), zone) - startOfLocalDay(date, zone)) / MS_PER_MINUTE;
}

export function addDays(date: LocalDate, days: number): LocalDate {
  return Temporal.PlainDate.from(date).add({ days }).toString();
}

/** Whole days from `a` to `b` (positive when b is later). */
export function daysBetween(a: LocalDate, b: LocalDate): number {
  return Temporal.PlainDate.from(a).until(Temporal.PlainDate.from(b), { largestUnit: 'days' }).days;
}

export function weekdayOf(date: LocalDate): Weekday {
  return Temporal.PlainDate.from(date).dayOfWeek as Weekday;
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
