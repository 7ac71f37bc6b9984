import { describe, expect, it } from 'vitest';
import {
  findLockedPeriod,
  getNextPeriod,
  getPeriodBounds,
  getPeriodForDate,
  getPeriodForInstant,
  getPreviousPeriod,
  isLateForLockedPeriod,
  listPeriods,
} from './periods';

describe('period boundaries', () => {
  it('weekly periods start on the configured weekday', () => {
    expect(getPeriodForDate({ frequency: 'weekly', weekStart: 1 }, '2026-01-01')).toEqual({
      start: '2025-12-29',
      end: '2026-01-04',
    });
    expect(getPeriodForDate({ frequency: 'weekly', weekStart: 7 }, '2026-01-01')).toEqual({
      start: '2025-12-28',
      end: '2026-01-03',
    });
  });

  it('bi-weekly periods follow the anchor, before and after it', () => {
    const config = { frequency: 'biweekly', anchorDate: '2026-01-05' } as const;
    expect(getPeriodForDate(config, '2026-01-18')).toEqual({ start: '2026-01-05', end: '2026-01-18' });
    expect(getPeriodForDate(config, '2026-01-19')).toEqual({ start: '2026-01-19', end: '2026-02-01' });
    expect(getPeriodForDate(config, '2026-01-04')).toEqual({ start: '2025-12-22', end: '2026-01-04' });
    expect(() => getPeriodForDate({ frequency: 'biweekly' }, '2026-01-04')).toThrow(/anchorDate/);
  });

  it('semi-monthly periods split on the 15th, including February in leap years', () => {
    const config = { frequency: 'semimonthly' } as const;
    expect(getPeriodForDate(config, '2026-02-15')).toEqual({ start: '2026-02-01', end: '2026-02-15' });
    expect(getPeriodForDate(config, '2026-02-16')).toEqual({ start: '2026-02-16', end: '2026-02-28' });
    expect(getPeriodForDate(config, '2028-02-29')).toEqual({ start: '2028-02-16', end: '2028-02-29' });
  });

  it('monthly periods and navigation', () => {
    const config = { frequency: 'monthly' } as const;
    const march = getPeriodForDate(config, '2026-03-29');
    expect(march).toEqual({ start: '2026-03-01', end: '2026-03-31' });
    expect(getNextPeriod(config, march)).toEqual({ start: '2026-04-01', end: '2026-04-30' });
    expect(getPreviousPeriod(config, march)).toEqual({ start: '2026-02-01', end: '2026-02-28' });
    expect(listPeriods({ frequency: 'semimonthly' }, '2026-01-10', '2026-02-16')).toEqual([
      { start: '2026-01-01', end: '2026-01-15' },
      { start: '2026-01-16', end: '2026-01-31' },
      { start: '2026-02-01', end: '2026-02-15' },
      { start: '2026-02-16', end: '2026-02-28' },
    ]);
  });

  it('places an instant by its local date in the org zone', () => {
    const config = { frequency: 'monthly' } as const;
    // 23:30 UTC on 31 March is already 1 April in Berlin, still 31 March in New York.
    expect(getPeriodForInstant(config, '2026-03-31T23:30:00Z', 'Europe/Berlin').start).toBe('2026-04-01');
    expect(getPeriodForInstant(config, '2026-03-31T23:30:00Z', 'America/New_York').start).toBe('2026-03-01');
  });

  it('gives half-open instant bounds that follow DST', () => {
    expect(getPeriodBounds({ start: '2026-03-01', end: '2026-03-31' }, 'Europe/Berlin')).toEqual({
      start: '2026-02-28T23:00:00Z',
      end: '2026-03-31T22:00:00Z',
    });
    // Santiago's DST starts at midnight: 2026-09-06 begins at 01:00 local.
    expect(getPeriodBounds({ start: '2026-09-06', end: '2026-09-06' }, 'America/Santiago').start).toBe(
      '2026-09-06T04:00:00Z',
    );
  });
});

describe('locked periods', () => {
  const locked = [
    { start: '2026-01-01', end: '2026-01-15', lockedAt: '2026-01-17T10:00:00Z' },
    { start: '2026-01-16', end: '2026-01-31', lockedAt: '2026-02-02T10:00:00Z' },
  ];

  it('finds the locked period containing a date', () => {
    expect(findLockedPeriod(locked, '2026-01-15')?.start).toBe('2026-01-01');
    expect(findLockedPeriod(locked, '2026-01-16')?.start).toBe('2026-01-16');
    expect(findLockedPeriod(locked, '2026-02-01')).toBeUndefined();
  });

  it('treats only events recorded after the lock as late', () => {
    expect(isLateForLockedPeriod(locked, '2026-01-10', '2026-01-17T09:59:59Z')).toBe(false);
    expect(isLateForLockedPeriod(locked, '2026-01-10', '2026-01-17T10:00:01Z')).toBe(true);
    expect(isLateForLockedPeriod(locked, '2026-02-10', '2027-01-01T00:00:00Z')).toBe(false);
  });
});
