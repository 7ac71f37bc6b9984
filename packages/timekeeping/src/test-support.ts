/**
 * @module Builders for tests: terse events and a neutral projection input. Not exported from the package.
 */
import { resolveRules, type TimeRulesOverride } from './rules';
import type { AttendanceEvent, ProjectionInput, PunchEvent, PunchType } from './types';

let counter = 0;

/** A punch with a readable id; ids sort in creation order within a test. */
export function punch(type: PunchType, occurredAt: string, id?: string): PunchEvent {
  counter += 1;
  return {
    id: id ?? `p${String(counter).padStart(5, '0')}`,
    type,
    occurredAt,
    source: 'kiosk',
    method: 'face',
  };
}

/** clock_in + clock_out. */
export function shiftPunches(start: string, end: string): PunchEvent[] {
  return [punch('clock_in', start), punch('clock_out', end)];
}

export function input(
  overrides: Partial<Omit<ProjectionInput, 'rules'>> & {
    events: AttendanceEvent[];
    rules?: TimeRulesOverride;
  },
): ProjectionInput {
  const { rules, ...rest } = overrides;
  return {
    employeeId: 'emp-1',
    timeZone: 'Europe/Berlin',
    weekStart: 1,
    range: { from: '2026-01-05', to: '2026-01-11' },
    asOf: '2027-01-01T00:00:00Z',
    ...rest,
    rules: resolveRules(rules),
  };
}
