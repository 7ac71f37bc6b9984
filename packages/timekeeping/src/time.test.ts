import { fc, test } from '@fast-check/vitest';
import { Temporal } from 'temporal-polyfill';
import { describe, expect, it } from 'vitest';
import { roundPunch } from './rounding';
import {
  localDateOf,
  localDateTimeToMs,
  minutesInLocalDay,
  offsetMsAt,
  startOfLocalDay,
  startOfWeek,
} from './time';

describe('local days', () => {
  it.each([
    ['Europe/Berlin', '2026-03-29', 1380],
    ['Europe/Berlin', '2026-10-25', 1500],
    ['Europe/Berlin', '2026-06-15', 1440],
    ['America/New_York', '2026-03-08', 1380],
    ['America/New_York', '2026-11-01', 1500],
    ['Australia/Lord_Howe', '2026-04-05', 1470],
    ['Australia/Lord_Howe', '2026-10-04', 1410],
    ['Asia/Kolkata', '2026-03-29', 1440],
  ])('%s %s has %i minutes', (zone, date, minutes) => {
    expect(minutesInLocalDay(date, zone)).toBe(minutes);
  });

  it('starts a day at 01:00 where DST begins at midnight (America/Santiago)', () => {
    expect(new Date(startOfLocalDay('2026-09-06', 'America/Santiago')).toISOString()).toBe(
      '2026-09-06T04:00:00.000Z',
    );
  });

  it('resolves skipped times later and repeated times to the first occurrence', () => {
    expect(new Date(localDateTimeToMs('2026-03-29', '02:30', 'Europe/Berlin')).toISOString()).toBe(
      '2026-03-29T01:30:00.000Z', // 03:30 CEST
    );
    expect(new Date(localDateTimeToMs('2026-10-25', '02:30', 'Europe/Berlin')).toISOString()).toBe(
      '2026-10-25T00:30:00.000Z', // 02:30 CEST, the earlier one
    );
  });

  it('finds the start of the week for any week start', () => {
    expect(startOfWeek('2026-01-07', 1)).toBe('2026-01-05');
    expect(startOfWeek('2026-01-07', 7)).toBe('2026-01-04');
    expect(startOfWeek('2026-01-07', 3)).toBe('2026-01-07');
  });
});

describe('roundPunch', () => {
  const at = (iso: string) => Date.parse(iso);
  it('rounds half-way up for nearest', () => {
    const rule = { stepMinutes: 15, mode: 'nearest' } as const;
    expect(roundPunch(at('2026-01-05T08:07:29Z'), 'start', rule, 'UTC')).toBe(at('2026-01-05T08:00:00Z'));
    expect(roundPunch(at('2026-01-05T08:07:30Z'), 'start', rule, 'UTC')).toBe(at('2026-01-05T08:15:00Z'));
  });

  it('leaves on-grid times alone in every mode', () => {
    for (const mode of ['nearest', 'up', 'down', 'employee_favour', 'employer_favour'] as const) {
      for (const edge of ['start', 'end'] as const) {
        expect(roundPunch(at('2026-01-05T08:15:00Z'), edge, { stepMinutes: 15, mode }, 'Asia/Kolkata')).toBe(
          at('2026-01-05T08:15:00Z'),
        );
      }
    }
  });

  it('uses the local grid in a 45-minute-offset zone (Asia/Kathmandu, +05:45)', () => {
    // 10:50 local = 05:05Z; the local hour grid puts 11:00 local at 05:15Z.
    expect(
      roundPunch(at('2026-01-05T05:05:00Z'), 'end', { stepMinutes: 60, mode: 'up' }, 'Asia/Kathmandu'),
    ).toBe(at('2026-01-05T05:15:00Z'));
  });
});

describe('cached offsets agree with Temporal', () => {
  const zones = [
    'Europe/Berlin',
    'America/New_York',
    'Australia/Lord_Howe',
    'Asia/Kolkata',
    'America/Santiago',
    'Pacific/Apia',
  ] as const;

  test.prop(
    [fc.constantFrom(...zones), fc.integer({ min: Date.parse('1970-01-01'), max: Date.parse('2090-12-31') })],
    { numRuns: 500 },
  )('offsetMsAt and localDateOf match a direct Temporal conversion', (zone, ms) => {
    const zoned = Temporal.Instant.fromEpochMilliseconds(ms).toZonedDateTimeISO(zone);
    expect(offsetMsAt(ms, zone)).toBe(zoned.offsetNanoseconds / 1e6);
    expect(localDateOf(ms, zone)).toBe(zoned.toPlainDate().toString());
  });

  it('switches offset exactly at a transition', () => {
    const change = Date.parse('2026-03-29T01:00:00Z');
    expect(offsetMsAt(change - 1, 'Europe/Berlin')).toBe(3_600_000);
    expect(offsetMsAt(change, 'Europe/Berlin')).toBe(7_200_000);
  });
});
