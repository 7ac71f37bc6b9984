import { describe, expect, it } from 'vitest';
import {
  EXCEPTION_CODES,
  expandWeeklyPattern,
  getPeriodForDate,
  getProjectionWindow,
  projectEmployeeDays,
  resolveRules,
  type AttendanceEvent,
} from './index';

describe('public entry point', () => {
  it('projects a schedule-driven week the way the hub job will call it', () => {
    const period = getPeriodForDate({ frequency: 'weekly', weekStart: 1 }, '2026-03-25');
    const range = { from: period.start, to: period.end };
    const window = getProjectionWindow(range, 1, 'Europe/Berlin');
    const shifts = expandWeeklyPattern(
      [1, 2, 3, 4, 5].map((weekday) => ({
        weekday: weekday as 1 | 2 | 3 | 4 | 5,
        shift: { id: 'early', startTime: '06:00', endTime: '14:30', breakMinutes: 30, lateGraceMinutes: 5 },
      })),
      range.from,
      range.to,
    );
    const events: AttendanceEvent[] = shifts.flatMap(({ date }, i) => [
      {
        id: `${date}-in`,
        type: 'clock_in',
        occurredAt: `${date}T05:0${i}:00Z`,
        source: 'kiosk',
        method: 'face',
      },
      {
        id: `${date}-out`,
        type: 'clock_out',
        occurredAt: `${date}T13:30:00Z`,
        source: 'kiosk',
        method: 'face',
      },
    ]);
    const p = projectEmployeeDays({
      employeeId: 'emp-1',
      timeZone: 'Europe/Berlin',
      weekStart: 1,
      range,
      asOf: window.end,
      events: events.reverse(),
      shifts,
      rules: resolveRules(
        { breaks: { autoDeduct: { afterMinutes: 360, minutes: 30 } } },
        { overtime: { daily: [{ afterMinutes: 480, multiplier: 1.5 }] } },
      ),
    });
    expect(range).toEqual({ from: '2026-03-23', to: '2026-03-29' });
    // Mon–Thu are CET (06:00–14:30 local = 510 min), Friday too; 30 min auto-deducted each day.
    expect(p.days.map((d) => d.workedMinutes)).toEqual([480, 479, 478, 477, 476, 0, 0]);
    expect(p.totals).toMatchObject({ workedMinutes: 2390, overtimeMinutes: 0, autoDeductedMinutes: 150 });
    expect(p.exceptions).toEqual([]);
    expect(p.days.at(-1)?.dayMinutes).toBe(1380); // 2026-03-29, spring forward
    expect(new Set(EXCEPTION_CODES).size).toBe(EXCEPTION_CODES.length);
    expect(JSON.parse(JSON.stringify(p))).toEqual(p);
  });
});
