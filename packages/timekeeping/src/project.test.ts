import { isAppError } from '@clockface/core';
import { describe, expect, it } from 'vitest';
import { getProjectionWindow, projectEmployeeDays } from './project';
import { input, punch, shiftPunches } from './test-support';
import type { ShiftTemplate, WorkDay } from './types';

const day = (days: WorkDay[], date: string) => {
  const found = days.find((d) => d.date === date);
  if (!found) throw new Error(`no day ${date}`);
  return found;
};
const codes = (p: { exceptions: { code: string }[] }) => p.exceptions.map((e) => e.code);

const DAY_SHIFT: ShiftTemplate = { id: 'day', startTime: '08:00', endTime: '16:00', lateGraceMinutes: 5 };
const NIGHT_SHIFT: ShiftTemplate = { id: 'night', startTime: '22:00', endTime: '06:00', lateGraceMinutes: 5 };

describe('pairing and breaks', () => {
  it('pairs in → out and subtracts an unpaid break', () => {
    const p = projectEmployeeDays(
      input({
        events: [
          punch('clock_in', '2026-01-05T07:00:00Z'), // 08:00 Berlin
          punch('break_start', '2026-01-05T11:00:00Z'),
          punch('break_end', '2026-01-05T11:30:00Z'),
          punch('clock_out', '2026-01-05T15:30:00Z'),
        ],
      }),
    );
    expect(p.entries).toHaveLength(1);
    expect(p.entries[0]).toMatchObject({ status: 'complete', grossMinutes: 510, breakMinutes: 30 });
    expect(day(p.days, '2026-01-05')).toMatchObject({
      grossMinutes: 510,
      unpaidBreakMinutes: 30,
      workedMinutes: 480,
    });
    expect(p.breaks).toMatchObject([{ kind: 'recorded', minutes: 30, paidMinutes: 0, unpaidMinutes: 30 }]);
    expect(p.exceptions).toEqual([]);
    expect(p.days).toHaveLength(7);
  });

  it('pays the first N break minutes of a day and auto-deducts the shift allowance', () => {
    const events = [
      punch('clock_in', '2026-01-05T07:00:00Z'),
      punch('break_start', '2026-01-05T09:00:00Z'),
      punch('break_end', '2026-01-05T09:10:00Z'),
      punch('clock_out', '2026-01-05T15:00:00Z'),
    ];
    const p = projectEmployeeDays(
      input({
        events,
        shifts: [{ date: '2026-01-05', shift: { ...DAY_SHIFT, breakMinutes: 30 } }],
        rules: { breaks: { paidMinutesPerDay: 15, autoDeduct: { afterMinutes: 360, minutes: 45 } } },
      }),
    );
    // 480 gross, 10 min recorded (paid), shift allowance 30 → 20 more auto-deducted.
    expect(day(p.days, '2026-01-05')).toMatchObject({
      grossMinutes: 480,
      paidBreakMinutes: 10,
      unpaidBreakMinutes: 0,
      autoDeductedMinutes: 20,
      workedMinutes: 460,
    });
    expect(p.breaks.map((b) => b.kind)).toEqual(['recorded', 'auto_deducted']);
  });

  it('collapses a double tap into one punch and flags it', () => {
    const p = projectEmployeeDays(
      input({
        events: [
          punch('clock_in', '2026-01-05T07:00:00Z'),
          punch('clock_in', '2026-01-05T07:01:30Z'),
          punch('clock_out', '2026-01-05T15:00:00Z'),
        ],
      }),
    );
    expect(p.entries).toHaveLength(1);
    expect(p.totals.workedMinutes).toBe(480);
    expect(codes(p)).toEqual(['duplicate_punch']);
  });

  it('flags a missing clock-out (counting nothing) and a clock-out without clock-in', () => {
    const p = projectEmployeeDays(
      input({
        events: [
          punch('clock_in', '2026-01-05T07:00:00Z'),
          punch('clock_in', '2026-01-06T07:00:00Z'),
          punch('clock_out', '2026-01-06T15:00:00Z'),
          punch('clock_out', '2026-01-07T15:00:00Z'),
        ],
      }),
    );
    expect(p.entries.map((e) => [e.workDate, e.status, e.grossMinutes])).toEqual([
      ['2026-01-05', 'missing_clock_out', 0],
      ['2026-01-06', 'complete', 480],
    ]);
    expect(codes(p)).toEqual(['missing_clock_out', 'missing_clock_in']);
  });

  it('keeps a recent clock-in open without an exception', () => {
    const p = projectEmployeeDays(
      input({ asOf: '2026-01-05T10:00:00Z', events: [punch('clock_in', '2026-01-05T07:00:00Z')] }),
    );
    expect(p.entries[0]).toMatchObject({ status: 'open', end: null, grossMinutes: 0 });
    expect(p.exceptions).toEqual([]);
  });

  it('closes a break at the clock-out when its end is missing', () => {
    const p = projectEmployeeDays(
      input({
        events: [
          punch('clock_in', '2026-01-05T07:00:00Z'),
          punch('break_start', '2026-01-05T14:00:00Z'),
          punch('clock_out', '2026-01-05T15:00:00Z'),
        ],
      }),
    );
    expect(day(p.days, '2026-01-05').workedMinutes).toBe(420);
    expect(codes(p)).toEqual(['missing_break_end']);
  });
});

describe('overnight shifts and DST', () => {
  it('assigns a night shift across midnight to the day it started', () => {
    const p = projectEmployeeDays(
      input({
        events: shiftPunches('2026-01-05T20:58:00Z', '2026-01-06T05:03:00Z'), // 21:58 → 06:03 Berlin
        shifts: [{ date: '2026-01-05', shift: NIGHT_SHIFT }],
      }),
    );
    expect(p.entries[0]).toMatchObject({ workDate: '2026-01-05', shiftId: 'night', grossMinutes: 485 });
    expect(day(p.days, '2026-01-06').workedMinutes).toBe(0);
    expect(p.exceptions).toEqual([]);
  });

  it('gives an early clock-in before a midnight shift to the shift’s date', () => {
    const p = projectEmployeeDays(
      input({
        events: shiftPunches('2026-01-06T22:50:00Z', '2026-01-07T07:00:00Z'), // 23:50 Tue → 08:00 Wed
        shifts: [{ date: '2026-01-07', shift: { id: 'midnight', startTime: '00:00', endTime: '08:00' } }],
      }),
    );
    expect(p.entries[0]?.workDate).toBe('2026-01-07');
  });

  it('counts 7 h for a 22:00–06:00 night shift into spring-forward (Europe/Berlin)', () => {
    const p = projectEmployeeDays(
      input({
        range: { from: '2026-03-23', to: '2026-03-29' },
        events: shiftPunches('2026-03-28T21:00:00Z', '2026-03-29T04:00:00Z'), // 22:00 CET → 06:00 CEST
        shifts: [{ date: '2026-03-28', shift: NIGHT_SHIFT }],
        rules: { overtime: { daily: [{ afterMinutes: 480, multiplier: 1.5 }] } },
      }),
    );
    expect(day(p.days, '2026-03-28')).toMatchObject({ workedMinutes: 420, overtimeMinutes: 0 });
    expect(day(p.days, '2026-03-29').dayMinutes).toBe(1380);
    expect(p.exceptions).toEqual([]);
  });

  it('counts 9 h for a 22:00–06:00 night shift into fall-back, with an hour of daily overtime', () => {
    const p = projectEmployeeDays(
      input({
        range: { from: '2026-10-19', to: '2026-10-25' },
        events: shiftPunches('2026-10-24T20:00:00Z', '2026-10-25T05:00:00Z'), // 22:00 CEST → 06:00 CET
        shifts: [{ date: '2026-10-24', shift: NIGHT_SHIFT }],
        rules: { overtime: { daily: [{ afterMinutes: 480, multiplier: 1.5 }] } },
      }),
    );
    expect(day(p.days, '2026-10-24')).toMatchObject({
      workedMinutes: 540,
      regularMinutes: 480,
      overtime: [{ multiplier: 1.5, minutes: 60 }],
    });
    expect(day(p.days, '2026-10-25').dayMinutes).toBe(1500);
    expect(p.exceptions).toEqual([]); // not early: the shift end is 06:00 CET
  });

  it('handles America/New_York 23 h and 25 h days', () => {
    const spring = projectEmployeeDays(
      input({
        timeZone: 'America/New_York',
        range: { from: '2026-03-08', to: '2026-03-08' },
        // 00:00 EST → 12:00 EDT on the 23-hour day is 11 h of real time.
        events: shiftPunches('2026-03-08T05:00:00Z', '2026-03-08T16:00:00Z'),
      }),
    );
    expect(spring.days).toMatchObject([{ date: '2026-03-08', dayMinutes: 1380, workedMinutes: 660 }]);
    const fall = projectEmployeeDays(
      input({
        timeZone: 'America/New_York',
        range: { from: '2026-11-01', to: '2026-11-01' },
        // 00:00 EDT → 12:00 EST on the 25-hour day is 13 h.
        events: shiftPunches('2026-11-01T04:00:00Z', '2026-11-01T17:00:00Z'),
      }),
    );
    expect(fall.days).toMatchObject([{ date: '2026-11-01', dayMinutes: 1500, workedMinutes: 780 }]);
  });
});

describe('rounding', () => {
  const events = () => shiftPunches('2026-01-05T07:07:00Z', '2026-01-05T15:08:00Z'); // 08:07 → 16:08 Berlin
  it.each([
    ['nearest', '2026-01-05T07:00:00Z', '2026-01-05T15:15:00Z', 495],
    ['employee_favour', '2026-01-05T07:00:00Z', '2026-01-05T15:15:00Z', 495],
    ['employer_favour', '2026-01-05T07:15:00Z', '2026-01-05T15:00:00Z', 465],
    ['up', '2026-01-05T07:15:00Z', '2026-01-05T15:15:00Z', 480],
    ['down', '2026-01-05T07:00:00Z', '2026-01-05T15:00:00Z', 480],
  ] as const)('%s to 15 min', (mode, roundedStart, roundedEnd, minutes) => {
    const p = projectEmployeeDays(
      input({ events: events(), rules: { rounding: { stepMinutes: 15, mode } } }),
    );
    expect(p.entries[0]).toMatchObject({ roundedStart, roundedEnd, grossMinutes: minutes });
  });

  it('rounds on the local grid in a half-hour zone (Asia/Kolkata)', () => {
    const p = projectEmployeeDays(
      input({
        timeZone: 'Asia/Kolkata',
        events: shiftPunches('2026-01-05T03:40:00Z', '2026-01-05T11:50:00Z'), // 09:10 → 17:20 IST
        rules: { rounding: { stepMinutes: 60, mode: 'nearest' } },
      }),
    );
    // 09:10 → 09:00 IST = 03:30Z; 17:20 → 17:00 IST = 11:30Z.
    expect(p.entries[0]).toMatchObject({
      roundedStart: '2026-01-05T03:30:00Z',
      roundedEnd: '2026-01-05T11:30:00Z',
    });
  });

  it('drops seconds by default', () => {
    const p = projectEmployeeDays(
      input({ events: shiftPunches('2026-01-05T07:00:59Z', '2026-01-05T15:00:59Z') }),
    );
    expect(p.entries[0]?.grossMinutes).toBe(480);
  });
});

describe('overtime', () => {
  const week = (hours: number[]) =>
    hours.flatMap((h, i) => {
      const date = `2026-01-${String(5 + i).padStart(2, '0')}`;
      const end = 7 + h;
      return shiftPunches(`${date}T07:00:00Z`, `${date}T${String(end).padStart(2, '0')}:00:00Z`);
    });

  it('applies California-style daily tiers', () => {
    const p = projectEmployeeDays(
      input({
        events: week([13]),
        rules: {
          overtime: {
            daily: [
              { afterMinutes: 480, multiplier: 1.5 },
              { afterMinutes: 720, multiplier: 2 },
            ],
          },
        },
      }),
    );
    expect(day(p.days, '2026-01-05')).toMatchObject({
      regularMinutes: 480,
      overtime: [
        { multiplier: 1.5, minutes: 240 },
        { multiplier: 2, minutes: 60 },
      ],
      overtimeMinutes: 300,
    });
  });

  it('counts only regular minutes towards the weekly threshold (no double overtime)', () => {
    const rules = {
      overtime: {
        daily: [{ afterMinutes: 480, multiplier: 1.5 }],
        weekly: { afterMinutes: 2400, multiplier: 1.5 },
      },
    };
    const five = projectEmployeeDays(input({ events: week([9, 9, 9, 9, 9]), rules }));
    expect(five.totals).toMatchObject({ workedMinutes: 2700, regularMinutes: 2400, overtimeMinutes: 300 });
    const six = projectEmployeeDays(input({ events: week([8, 8, 8, 8, 8, 8]), rules }));
    expect(day(six.days, '2026-01-10')).toMatchObject({
      regularMinutes: 0,
      overtime: [{ multiplier: 1.5, minutes: 480 }],
    });
    expect(six.totals).toMatchObject({ regularMinutes: 2400, overtimeMinutes: 480 });
  });

  it('uses the weekly multiplier for minutes crossing the weekly threshold mid-day', () => {
    const p = projectEmployeeDays(
      input({
        events: week([10, 10, 10, 10, 5]),
        rules: { overtime: { daily: [], weekly: { afterMinutes: 2400, multiplier: 2 } } },
      }),
    );
    expect(day(p.days, '2026-01-09')).toMatchObject({
      regularMinutes: 0,
      overtime: [{ multiplier: 2, minutes: 300 }],
    });
    expect(day(p.days, '2026-01-08')).toMatchObject({ regularMinutes: 600, overtimeMinutes: 0 });
  });

  it('computes weekly overtime over the whole week even when the range is one day', () => {
    const p = projectEmployeeDays(
      input({
        range: { from: '2026-01-10', to: '2026-01-10' },
        events: week([8, 8, 8, 8, 8, 8]),
        rules: { overtime: { daily: [], weekly: { afterMinutes: 2400, multiplier: 1.5 } } },
      }),
    );
    expect(p.days).toHaveLength(1);
    expect(p.totals).toMatchObject({ workedMinutes: 480, overtimeMinutes: 480 });
  });
});

describe('shifts: lateness, early leave, absence, far punches', () => {
  it('flags lateness beyond grace and early leave, measured from the shift times', () => {
    const p = projectEmployeeDays(
      input({
        events: [
          ...shiftPunches('2026-01-05T07:04:00Z', '2026-01-05T15:00:00Z'), // 08:04 within grace
          ...shiftPunches('2026-01-06T07:20:00Z', '2026-01-06T14:30:00Z'), // 08:20 late, 15:30 early
        ],
        shifts: [
          { date: '2026-01-05', shift: DAY_SHIFT },
          { date: '2026-01-06', shift: DAY_SHIFT },
        ],
      }),
    );
    expect(day(p.days, '2026-01-05')).toMatchObject({ lateMinutes: 0, earlyLeaveMinutes: 0 });
    expect(day(p.days, '2026-01-06')).toMatchObject({ lateMinutes: 20, earlyLeaveMinutes: 30 });
    expect(p.exceptions.map((e) => [e.code, e.minutes])).toEqual([
      ['early_leave', 30],
      ['late_arrival', 20],
    ]);
  });

  it('reports an absence unless leave is approved, and counts the leave', () => {
    const p = projectEmployeeDays(
      input({
        asOf: '2026-01-08T12:00:00Z',
        events: [],
        shifts: ['2026-01-05', '2026-01-06', '2026-01-08'].map((date) => ({ date, shift: DAY_SHIFT })),
        leave: [{ date: '2026-01-06', minutes: 480, isPaid: true, leaveTypeId: 'vacation' }],
      }),
    );
    // 01-08's shift has not ended at asOf: not absent (yet).
    expect(p.exceptions.map((e) => [e.code, e.workDate])).toEqual([['absent', '2026-01-05']]);
    expect(p.totals).toMatchObject({ leaveMinutes: 480, paidLeaveMinutes: 480, overtimeMinutes: 0 });
  });

  it('flags punches far from any assigned shift', () => {
    const p = projectEmployeeDays(
      input({
        events: shiftPunches('2026-01-07T01:00:00Z', '2026-01-07T02:00:00Z'),
        shifts: [{ date: '2026-01-05', shift: DAY_SHIFT }],
      }),
    );
    expect(codes(p).filter((c) => c === 'punch_far_from_shift')).toHaveLength(2);
  });

  it('does not flag unscheduled employees', () => {
    const p = projectEmployeeDays(
      input({ events: shiftPunches('2026-01-07T01:00:00Z', '2026-01-07T02:00:00Z') }),
    );
    expect(p.exceptions).toEqual([]);
  });
});

describe('adjustments', () => {
  const meta = { actorId: 'mgr-1', reason: 'forgot to clock out', recordedAt: '2026-01-06T09:00:00Z' };

  it('applies edits and deletions in recorded order', () => {
    const clockIn = punch('clock_in', '2026-01-05T07:00:00Z', 'a-in');
    const wrong = punch('clock_in', '2026-01-05T15:00:00Z', 'a-wrong');
    const stray = punch('clock_out', '2026-01-05T18:00:00Z', 'a-stray');
    const p = projectEmployeeDays(
      input({
        events: [
          clockIn,
          wrong,
          stray,
          {
            id: 'e2',
            type: 'edit',
            targetId: 'a-wrong',
            occurredAt: '2026-01-05T15:30:00Z',
            ...meta,
            recordedAt: '2026-01-06T10:00:00Z',
          },
          { id: 'e1', type: 'edit', targetId: 'a-wrong', punchType: 'clock_out', ...meta },
          { id: 'd1', type: 'delete', targetId: 'a-stray', ...meta },
          { id: 'd2', type: 'delete', targetId: 'nope', ...meta },
        ],
      }),
    );
    expect(p.entries).toMatchObject([
      { start: '2026-01-05T07:00:00Z', end: '2026-01-05T15:30:00Z', grossMinutes: 510 },
    ]);
    expect(p.entries[0]?.eventIds).toEqual(['a-in', 'a-wrong', 'e1', 'e2']);
    expect(codes(p)).toEqual(['adjustment_target_missing']);
  });

  it('counts a manual entry with its break and takes overlaps off the later entry', () => {
    const p = projectEmployeeDays(
      input({
        events: [
          ...shiftPunches('2026-01-05T07:00:00Z', '2026-01-05T11:00:00Z'),
          {
            id: 'm1',
            type: 'manual_entry',
            start: '2026-01-05T10:00:00Z',
            end: '2026-01-05T15:00:00Z',
            breakMinutes: 30,
            ...meta,
          },
        ],
      }),
    );
    const d = day(p.days, '2026-01-05');
    // 240 + 300 gross, 60 overlap → 480; 30 min unpaid break → 450.
    expect(d).toMatchObject({ grossMinutes: 480, unpaidBreakMinutes: 30, workedMinutes: 450 });
    expect(codes(p)).toEqual(['overlapping_entries']);
  });

  it('rejects an adjustment without a reason', () => {
    expect(() =>
      projectEmployeeDays(
        input({
          events: [
            {
              id: 'd',
              type: 'delete',
              targetId: 'x',
              actorId: 'm',
              reason: ' ',
              recordedAt: '2026-01-06T00:00:00Z',
            },
          ],
        }),
      ),
    ).toThrowError(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
  });
});

describe('locked periods', () => {
  const locked = [{ start: '2026-01-05', end: '2026-01-11', lockedAt: '2026-01-12T12:00:00Z' }];

  it('does not apply events recorded after the lock, and flags them', () => {
    const early = { ...punch('clock_in', '2026-01-05T07:00:00Z'), receivedAt: '2026-01-05T07:00:01Z' };
    const out = { ...punch('clock_out', '2026-01-05T15:00:00Z'), receivedAt: '2026-01-05T15:00:01Z' };
    const late = { ...punch('clock_in', '2026-01-06T07:00:00Z'), receivedAt: '2026-01-13T08:00:00Z' };
    const lateEdit = {
      id: 'edit-late',
      type: 'edit' as const,
      targetId: out.id,
      occurredAt: '2026-01-05T17:00:00Z',
      actorId: 'mgr',
      reason: 'fix',
      recordedAt: '2026-01-14T00:00:00Z',
    };
    const p = projectEmployeeDays(input({ events: [early, out, late, lateEdit], lockedPeriods: locked }));
    expect(p.totals.workedMinutes).toBe(480);
    expect(p.exceptions.map((e) => [e.code, e.eventIds[0]])).toEqual([
      ['late_event_in_locked_period', 'edit-late'],
      ['late_event_in_locked_period', late.id],
    ]);
  });
});

describe('locked periods and overnight entries', () => {
  // Week of 2026-01-05 locked at noon on the 12th; the night shift starts on Sunday the 11th.
  const locked = [{ start: '2026-01-05', end: '2026-01-11', lockedAt: '2026-01-12T12:00:00Z' }];
  const onTime = (e: ReturnType<typeof punch>) => ({ ...e, receivedAt: '2026-01-12T06:00:00Z' });
  const lateArrival = (e: ReturnType<typeof punch>) => ({ ...e, receivedAt: '2026-01-13T06:00:00Z' });
  const range = { from: '2026-01-05', to: '2026-01-18' };

  it('does not let a late clock-out complete an entry of the locked week', () => {
    const p = projectEmployeeDays(
      input({
        range,
        lockedPeriods: locked,
        events: [
          onTime(punch('clock_in', '2026-01-11T21:00:00Z', 'in')), // Sun 22:00
          lateArrival(punch('clock_out', '2026-01-12T05:00:00Z', 'late-out')), // Mon 06:00, arrived Tue
        ],
      }),
    );
    // The locked Sunday stays as it was locked; the stray clock-out is for the open week to sort out.
    expect(p.entries).toMatchObject([{ workDate: '2026-01-11', status: 'missing_clock_out' }]);
    expect(p.exceptions.map((e) => [e.workDate, e.code, e.eventIds[0]])).toEqual([
      ['2026-01-11', 'missing_clock_out', 'in'],
      ['2026-01-12', 'missing_clock_in', 'late-out'],
    ]);
  });

  it('does not let a late clock-in split an entry of the locked week', () => {
    const p = projectEmployeeDays(
      input({
        range,
        lockedPeriods: locked,
        events: [
          onTime(punch('clock_in', '2026-01-11T21:00:00Z')),
          onTime(punch('clock_out', '2026-01-12T05:00:00Z')),
          lateArrival(punch('clock_in', '2026-01-12T03:00:00Z', 'late-in')), // Mon 04:00
        ],
      }),
    );
    expect(p.entries).toMatchObject([
      { workDate: '2026-01-11', status: 'complete', grossMinutes: 480 },
      { id: 'late-in', workDate: '2026-01-12', status: 'missing_clock_out' },
    ]);
    expect(day(p.days, '2026-01-11').workedMinutes).toBe(480);
  });

  it('keeps a locked manual entry whole when a late one overlaps it', () => {
    const meta = { actorId: 'mgr', reason: 'r' };
    const p = projectEmployeeDays(
      input({
        range,
        lockedPeriods: locked,
        events: [
          {
            id: 'm-locked',
            type: 'manual_entry',
            start: '2026-01-11T22:00:00Z',
            end: '2026-01-12T06:00:00Z',
            ...meta,
            recordedAt: '2026-01-12T07:00:00Z',
          },
          {
            id: 'm-late',
            type: 'manual_entry',
            start: '2026-01-12T05:00:00Z',
            end: '2026-01-12T09:00:00Z',
            ...meta,
            recordedAt: '2026-01-13T07:00:00Z',
          },
        ],
      }),
    );
    expect(day(p.days, '2026-01-11').workedMinutes).toBe(480);
    expect(day(p.days, '2026-01-12').workedMinutes).toBe(180);
    expect(codes(p)).toEqual(['overlapping_entries']);
  });

  it('ignores a late deletion of a locked punch, and flags it', () => {
    const p = projectEmployeeDays(
      input({
        range,
        lockedPeriods: locked,
        events: [
          onTime(punch('clock_in', '2026-01-09T07:00:00Z', 'in')),
          onTime(punch('clock_out', '2026-01-09T15:00:00Z', 'out')),
          {
            id: 'del',
            type: 'delete',
            targetId: 'out',
            actorId: 'mgr',
            reason: 'r',
            recordedAt: '2026-01-20T00:00:00Z',
          },
        ],
      }),
    );
    expect(day(p.days, '2026-01-09').workedMinutes).toBe(480);
    expect(p.exceptions.map((e) => [e.code, e.eventIds[0]])).toEqual([
      ['late_event_in_locked_period', 'del'],
    ]);
  });
});

describe('several locked periods', () => {
  it('freezes each period on top of the earlier ones', () => {
    const at = (e: ReturnType<typeof punch>, receivedAt: string) => ({ ...e, receivedAt });
    const p = projectEmployeeDays(
      input({
        range: { from: '2026-01-05', to: '2026-01-25' },
        lockedPeriods: [
          { start: '2026-01-12', end: '2026-01-18', lockedAt: '2026-01-19T12:00:00Z' },
          { start: '2026-01-05', end: '2026-01-11', lockedAt: '2026-01-12T12:00:00Z' },
        ],
        events: [
          at(punch('clock_in', '2026-01-09T07:00:00Z'), '2026-01-09T07:00:00Z'),
          at(punch('clock_out', '2026-01-09T15:00:00Z'), '2026-01-09T15:00:00Z'),
          // Arrived after week 1 was locked but before week 2 was.
          at(punch('clock_in', '2026-01-11T21:00:00Z', 'sun-in'), '2026-01-13T08:00:00Z'),
          at(punch('clock_out', '2026-01-12T05:00:00Z', 'mon-out'), '2026-01-13T08:00:00Z'),
          // After both locks.
          {
            id: 'del',
            type: 'delete',
            targetId: 'mon-out',
            actorId: 'mgr',
            reason: 'r',
            recordedAt: '2026-01-20T09:00:00Z',
          },
          at(punch('clock_in', '2026-01-20T07:00:00Z'), '2026-01-20T07:00:00Z'),
          at(punch('clock_out', '2026-01-20T15:00:00Z'), '2026-01-20T15:00:00Z'),
        ],
      }),
    );
    expect(p.days.filter((d) => d.workedMinutes > 0).map((d) => [d.date, d.workedMinutes])).toEqual([
      ['2026-01-09', 480],
      ['2026-01-20', 480],
    ]);
    expect(p.exceptions.map((e) => [e.workDate, e.code, e.eventIds[0]])).toEqual([
      ['2026-01-11', 'late_event_in_locked_period', 'sun-in'],
      ['2026-01-12', 'missing_clock_in', 'mon-out'], // as week 2 was locked
      ['2026-01-12', 'late_event_in_locked_period', 'del'],
    ]);
  });
});

describe('compliance', () => {
  it('flags a long day, short rest and a missing required break', () => {
    const p = projectEmployeeDays(
      input({
        events: [
          ...shiftPunches('2026-01-05T06:00:00Z', '2026-01-05T18:00:00Z'), // 12 h, no break
          ...shiftPunches('2026-01-06T02:00:00Z', '2026-01-06T06:00:00Z'), // 8 h rest
        ],
        rules: {
          compliance: {
            maxShiftMinutes: 600,
            minRestMinutes: 660,
            requiredBreaks: [
              { afterMinutes: 360, minBreakMinutes: 30 },
              { afterMinutes: 540, minBreakMinutes: 45 },
            ],
          },
        },
      }),
    );
    expect(p.exceptions.map((e) => [e.workDate, e.code, e.minutes])).toEqual([
      ['2026-01-05', 'max_shift_length_exceeded', 120],
      ['2026-01-05', 'missing_required_break', 30],
      ['2026-01-05', 'missing_required_break', 45],
      ['2026-01-06', 'insufficient_rest', 180],
    ]);
  });

  it('counts a clocked-out lunch as a break', () => {
    const p = projectEmployeeDays(
      input({
        events: [
          ...shiftPunches('2026-01-05T07:00:00Z', '2026-01-05T11:00:00Z'),
          ...shiftPunches('2026-01-05T11:30:00Z', '2026-01-05T15:30:00Z'),
        ],
        rules: { compliance: { requiredBreaks: [{ afterMinutes: 360, minBreakMinutes: 30 }] } },
      }),
    );
    expect(p.exceptions).toEqual([]);
  });
});

describe('input validation and window', () => {
  it('lists every malformed field in one error', () => {
    try {
      projectEmployeeDays(
        input({ timeZone: 'Mars/Olympus', range: { from: '2026-02-30', to: '2026-01-01' }, events: [] }),
      );
      expect.unreachable();
    } catch (error) {
      expect(isAppError(error, 'VALIDATION_FAILED')).toBe(true);
      expect((error as { issues: { path: string }[] }).issues.map((i) => i.path)).toEqual([
        'timeZone',
        'range.from',
        'range.to',
      ]);
    }
  });

  it('widens the event window to whole weeks plus a day each side', () => {
    expect(getProjectionWindow({ from: '2026-03-04', to: '2026-03-25' }, 1, 'Europe/Berlin')).toEqual({
      start: '2026-02-28T23:00:00Z', // Sun 2026-03-01 00:00 CET: the day before Mon 2026-03-02
      end: '2026-03-30T22:00:00Z', // Tue 2026-03-31 00:00 CEST: the day after Sun 2026-03-29, exclusive
    });
  });
});
