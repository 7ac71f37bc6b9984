/**
 * @module Rounding of clock-in and clock-out times to an N-minute grid on the local wall clock.
 */
import { MS_PER_MINUTE, offsetMsAt } from './time';
import type { RoundingRule } from './types';

export type PunchEdge = 'start' | 'end';

/**
 * Rounds an instant to the rule's grid, measured on the local wall clock of `zone` (so a 30-minute
 * grid in Asia/Kolkata lands on :00 and :30 local, not UTC). The result is never more than one step
 * away from the input. The offset at the input instant is used for the whole computation, so a
 * punch next to a DST change still moves by less than one step in real (elapsed) time.
 *
 * @example
 * roundPunch(Date.parse('2026-01-05T08:07:00Z'), 'start', { stepMinutes: 15, mode: 'employee_favour' }, 'UTC');
 * // → Date.parse('2026-01-05T08:00:00Z')
 */
export function roundPunch(ms: number, edge: PunchEdge, rule: RoundingRule, zone: string): number {
  const step = Math.max(1, Math.trunc(rule.stepMinutes)) * MS_PER_MINUTE;
  const offset = offsetMsAt(ms, zone);
  const local = ms + offset;
  const remainder = ((local % step) + step) % step;
  const down = local - remainder;
  const up = remainder === 0 ? local : down + step;
  let rounded: number;
  switch (rule.mode) {
    case 'down':
      rounded = down;
      break;
    case 'up':
      rounded = up;
      break;
    case 'nearest':
      rounded = remainder * 2 >= step ? up : down;
      break;
    case 'employee_favour':
      rounded = edge === 'start' ? down : up;
      break;
    case 'employer_favour':
      rounded = edge === 'start' ? up : down;
      break;
  }
  return rounded - offset;
}

/** Drops seconds and milliseconds (in local wall-clock terms, which equals UTC for whole-minute offsets). */
export function truncateToMinute(ms: number): number {
  return Math.floor(ms / MS_PER_MINUTE) * MS_PER_MINUTE;
}
