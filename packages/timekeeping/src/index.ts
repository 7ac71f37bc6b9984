/**
 * @module Pure timekeeping rules: attendance events (punches and adjustments) → work days, time entries,
 * breaks, overtime, exceptions and totals, plus timesheet period helpers. No I/O; runs anywhere.
 *
 * The hub's projection job calls `projectEmployeeDays` per employee; see README.md for the rules.
 */
export { getProjectionWindow, projectEmployeeDays } from './project';
export { DEFAULT_RULES, resolveRules, type TimeRulesOverride } from './rules';
export {
  findLockedPeriod,
  getNextPeriod,
  getPeriodBounds,
  getPeriodForDate,
  getPeriodForInstant,
  getPreviousPeriod,
  isLateForLockedPeriod,
  listPeriods,
  type PeriodConfig,
  type PeriodFrequency,
  type TimesheetPeriod,
} from './periods';
export { roundPunch, type PunchEdge } from './rounding';
export { getAttendanceState, type AttendanceState } from './state';
export { applyWeeklyOvertime, splitDailyOvertime, type DailySplit } from './overtime';
export { expandWeeklyPattern, isOvernight, type WeeklyShiftSlot } from './shifts';
export { getLocalDate, minutesInLocalDay, startOfWeek } from './time';
export { EXCEPTION_CODES } from './types';
export type * from './types';
