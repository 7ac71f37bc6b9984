import { describe, expect, it } from 'vitest';
import { getAttendanceState } from './state';
import type { PunchEvent } from './types';

const p = (id: string, type: PunchEvent['type'], occurredAt: string): PunchEvent => ({
  id,
  type,
  occurredAt,
});

describe('getAttendanceState', () => {
  const day = [
    p('a', 'clock_in', '2026-01-05T07:00:00Z'),
    p('b', 'break_start', '2026-01-05T11:00:00Z'),
    p('c', 'break_end', '2026-01-05T11:30:00Z'),
    p('d', 'clock_out', '2026-01-05T15:00:00Z'),
  ];

  it.each([
    ['2026-01-05T06:00:00Z', 'off', null, 'clock_in'],
    ['2026-01-05T08:00:00Z', 'working', '2026-01-05T07:00:00Z', 'clock_out'],
    ['2026-01-05T11:10:00Z', 'on_break', '2026-01-05T11:00:00Z', 'break_end'],
    ['2026-01-05T12:00:00Z', 'working', '2026-01-05T07:00:00Z', 'clock_out'],
    ['2026-01-05T16:00:00Z', 'off', null, 'clock_in'],
  ])('at %s the employee is %s', (asOf, status, since, next) => {
    // Arrival order does not matter.
    const state = getAttendanceState([...day].reverse(), { asOf });
    expect(state).toMatchObject({ status, since });
    expect(state.nextPunchTypes[0]).toBe(next);
  });

  it('treats a clock-in older than the open limit as a forgotten clock-out', () => {
    const state = getAttendanceState([p('a', 'clock_in', '2026-01-05T07:00:00Z')], {
      asOf: '2026-01-06T07:00:00Z',
    });
    expect(state.status).toBe('off');
  });

  it('applies deletions', () => {
    const state = getAttendanceState(
      [
        p('a', 'clock_in', '2026-01-05T07:00:00Z'),
        {
          id: 'x',
          type: 'delete',
          targetId: 'a',
          actorId: 'm',
          reason: 'wrong person',
          recordedAt: '2026-01-05T07:05:00Z',
        },
      ],
      { asOf: '2026-01-05T08:00:00Z' },
    );
    expect(state.status).toBe('off');
  });
});
