import { describe, expect, it } from 'vitest';
import { expandWeeklyPattern, isOvernight, matchShift, toShiftInstance } from './shifts';

const early = { id: 'early', startTime: '06:00', endTime: '14:00' };
const night = { id: 'night', startTime: '22:00', endTime: '06:00' };

describe('shift instances', () => {
  it('treats end <= start as overnight', () => {
    expect(isOvernight('22:00', '06:00')).toBe(true);
    expect(isOvernight('00:00', '00:00')).toBe(true); // a 24 h shift
    expect(isOvernight('06:00', '14:00')).toBe(false);
  });

  it('places a night shift across the New York fall-back as 9 h of real time', () => {
    const inst = toShiftInstance({ date: '2026-10-31', shift: night }, 'America/New_York');
    expect((inst.endMs - inst.startMs) / 3_600_000).toBe(9);
    expect(inst.date).toBe('2026-10-31');
  });

  it('moves a shift start inside the spring-forward gap to after the gap', () => {
    const inst = toShiftInstance(
      { date: '2026-03-29', shift: { id: 'x', startTime: '02:30', endTime: '10:00' } },
      'Europe/Berlin',
    );
    expect(new Date(inst.startMs).toISOString()).toBe('2026-03-29T01:30:00.000Z'); // 03:30 CEST
  });

  it('matches the nearest shift start within the window', () => {
    const a = toShiftInstance({ date: '2026-01-05', shift: early }, 'UTC');
    const b = toShiftInstance(
      { date: '2026-01-05', shift: { id: 'late', startTime: '14:00', endTime: '22:00' } },
      'UTC',
    );
    expect(matchShift(Date.parse('2026-01-05T13:30:00Z'), [a, b], 120)?.shiftId).toBe('late');
    expect(matchShift(Date.parse('2026-01-05T03:59:00Z'), [a, b], 120)).toBeNull();
  });
});

describe('expandWeeklyPattern', () => {
  it('dates each weekday slot, honouring validity and skipped dates', () => {
    const out = expandWeeklyPattern(
      [
        { weekday: 1, shift: early },
        { weekday: 3, shift: night, effectiveFrom: '2026-01-14' },
        { weekday: 5, shift: early, effectiveTo: '2026-01-09' },
      ],
      '2026-01-05',
      '2026-01-18',
      ['2026-01-12'],
    );
    expect(out.map((a) => [a.date, a.shift.id])).toEqual([
      ['2026-01-05', 'early'],
      ['2026-01-09', 'early'],
      ['2026-01-14', 'night'],
    ]);
  });
});
