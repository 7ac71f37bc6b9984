/**
 * @module Timesheet period helpers: weekly, bi-weekly, semi-monthly and monthly boundaries in the org's
 * zone, which period a date or instant falls in, and whether it is locked.
 */
import { AppError } from '@clockface/core';
import { Temporal } from 'temporal-polyfill';
import {
  addDays,
  assertLocalDate,
  daysBetween,
  localDateOf,
  parseInstant,
  startOfLocalDay,
  startOfWeek,
  toIso,
} from './time';
import type { IsoInstant, LocalDate, LockedPeriod, Weekday } from './types';

export type PeriodFrequency = 'weekly' | 'biweekly' | 'semimonthly' | 'monthly';

export interface PeriodConfig {
  frequency: PeriodFrequency;
  /** weekly: the first day of each period. Ignored otherwise. */
  weekStart?: Weekday;
  /** biweekly: any date on which a period starts (fixes the phase of the two-week cycle). */
  anchorDate?: LocalDate;
}

/** A timesheet period as inclusive local dates. */
export interface TimesheetPeriod {
  start: LocalDate;
  /** Inclusive. */
  end: LocalDate;
}

/**
 * The period containing a local date. Semi-monthly periods are the 1st–15th and the 16th–last day.
 *
 * @example
 * getPeriodForDate({ frequency: 'biweekly', anchorDate: '2026-01-05' }, '2026-01-20');
 * // → { start: '2026-01-19', end: '2026-02-01' }
 */
export function getPeriodForDate(config: PeriodConfig, date: LocalDate): TimesheetPeriod {
  assertLocalDate(date, 'date');
  const d = Temporal.PlainDate.from(date);
  switch (config.frequency) {
    case 'weekly': {
      const start = startOfWeek(date, config.weekStart ?? 1);
      return { start, end: addDays(start, 6) };
    }
    case 'biweekly': {
      if (!config.anchorDate) {
        throw new AppError('VALIDATION_FAILED', {
          message: 'Expected anchorDate for a biweekly period config, got none',
          issues: [{ path: 'anchorDate', message: 'Required for biweekly periods' }],
        });
      }
      assertLocalDate(config.anchorDate, 'anchorDate');
      const offset = daysBetween(config.anchorDate, date);
      const start = addDays(config.anchorDate, Math.floor(offset / 14) * 14);
      return { start, end: addDays(start, 13) };
    }
    case 'semimonthly': {
      const firstHalf = d.day <= 15;
      const start = d.with({ day: firstHalf ? 1 : 16 });
      const end = firstHalf ? d.with({ day: 15 }) : d.with({ day: d.daysInMonth });
      return { start: start.toString(), end: end.toString() };
    }
    case 'monthly':
      return { start: d.with({ day: 1 }).toString(), end: d.with({ day: d.daysInMonth }).toString() };
  }
}

/** The period containing an instant, judged by its local date in `zone`. */
export function getPeriodForInstant(
  config: PeriodConfig,
  instant: IsoInstant,
  zone: string,
): TimesheetPeriod {
  return getPeriodForDate(config, localDateOf(parseInstant(instant, 'instant'), zone));
}

export function getNextPeriod(config: PeriodConfig, period: TimesheetPeriod): TimesheetPeriod {
  return getPeriodForDate(config, addDays(period.end, 1));
}

export function getPreviousPeriod(config: PeriodConfig, period: TimesheetPeriod): TimesheetPeriod {
  return getPeriodForDate(config, addDays(period.start, -1));
}

/** Every period that overlaps `from`…`to` (inclusive), in order. */
export function listPeriods(config: PeriodConfig, from: LocalDate, to: LocalDate): TimesheetPeriod[] {
  const out: TimesheetPeriod[] = [];
  for (let p = getPeriodForDate(config, from); p.start <= to; p = getNextPeriod(config, p)) out.push(p);
  return out;
}

/**
 * The period as a half-open instant interval `[start, end)` in `zone`: from the first instant of the
 * start date to the first instant of the day after the end date. Use it to select events by occurred_at.
 */
export function getPeriodBounds(
  period: TimesheetPeriod,
  zone: string,
): { start: IsoInstant; end: IsoInstant } {
  return {
    start: toIso(startOfLocalDay(period.start, zone)),
    end: toIso(startOfLocalDay(addDays(period.end, 1), zone)),
  };
}

/** The locked period containing `date`, if any. */
export function findLockedPeriod(locked: readonly LockedPeriod[], date: LocalDate): LockedPeriod | undefined {
  return locked.find((p) => p.start <= date && date <= p.end);
}

/**
 * Whether an event for `date`, recorded at `recordedAt`, would change a locked period. Such an event
 * is not applied by the projection; the hub turns it into a flagged adjustment for the next open
 * period, or an admin unlocks the period (audited).
 */
export function isLateForLockedPeriod(
  locked: readonly LockedPeriod[],
  date: LocalDate,
  recordedAt: IsoInstant,
): boolean {
  const period = findLockedPeriod(locked, date);
  if (!period) return false;
  return parseInstant(recordedAt, 'recordedAt') > parseInstant(period.lockedAt, 'lockedAt');
}
