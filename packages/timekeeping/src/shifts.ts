/**
 * @module Shift instances (an assignment made concrete in the zone) and matching entries to them.
 */
import { addDays, eachDate, localDateTimeToMs, MS_PER_MINUTE, weekdayOf } from './time';
import type { LocalDate, ShiftAssignment, ShiftTemplate, Weekday } from './types';

export interface ShiftInstance {
  shiftId: string;
  /** The date the shift starts on: the work day it belongs to, even when it ends the next day. */
  date: LocalDate;
  startMs: number;
  endMs: number;
  breakMinutes: number;
  lateGraceMinutes: number;
  earlyLeaveGraceMinutes: number;
}

/** True when a shift ends on the day after it starts (`endTime <= startTime`, e.g. 22:00–06:00). */
export function isOvernight(startTime: string, endTime: string): boolean {
  return endTime <= startTime;
}

/**
 * Places an assignment on the timeline. Wall-clock times go through `disambiguation: 'compatible'`,
 * so a 22:00–06:00 shift is 9 h of real time across a fall-back night and 7 h across spring-forward.
 */
export function toShiftInstance(assignment: ShiftAssignment, zone: string): ShiftInstance {
  const { shift, date } = assignment;
  const endDate = isOvernight(shift.startTime, shift.endTime) ? addDays(date, 1) : date;
  const lateGrace = shift.lateGraceMinutes ?? 0;
  return {
    shiftId: shift.id,
    date,
    startMs: localDateTimeToMs(date, shift.startTime, zone),
    endMs: localDateTimeToMs(endDate, shift.endTime, zone),
    breakMinutes: shift.breakMinutes ?? 0,
    lateGraceMinutes: lateGrace,
    earlyLeaveGraceMinutes: shift.earlyLeaveGraceMinutes ?? lateGrace,
  };
}

/**
 * The shift an entry starting at `startMs` belongs to: one whose window
 * `[start − matchWindow, end)` contains the clock-in, preferring the nearest start (then the
 * earlier start, then the smaller shift id, so the choice is deterministic).
 */
export function matchShift(
  startMs: number,
  instances: readonly ShiftInstance[],
  matchWindowMinutes: number,
): ShiftInstance | null {
  const window = matchWindowMinutes * MS_PER_MINUTE;
  let best: ShiftInstance | null = null;
  for (const inst of instances) {
    if (startMs < inst.startMs - window || startMs >= inst.endMs) continue;
    if (!best) {
      best = inst;
      continue;
    }
    const d = Math.abs(startMs - inst.startMs) - Math.abs(startMs - best.startMs);
    if (
      d < 0 ||
      (d === 0 &&
        (inst.startMs < best.startMs || (inst.startMs === best.startMs && inst.shiftId < best.shiftId)))
    ) {
      best = inst;
    }
  }
  return best;
}

/** True when `ms` lies within `farMinutes` of some shift instance (before its start or after its end). */
export function isNearAnyShift(ms: number, instances: readonly ShiftInstance[], farMinutes: number): boolean {
  const far = farMinutes * MS_PER_MINUTE;
  return instances.some((inst) => ms >= inst.startMs - far && ms <= inst.endMs + far);
}

/** One slot of a recurring weekly schedule: this template on this weekday. */
export interface WeeklyShiftSlot {
  weekday: Weekday;
  shift: ShiftTemplate;
  /** Inclusive bounds of the pattern's validity (an assignment that starts or ends mid-range). */
  effectiveFrom?: LocalDate | null;
  effectiveTo?: LocalDate | null;
}

/**
 * Expands a recurring weekly pattern into dated assignments for `from`…`to` (inclusive), skipping
 * `exceptDates` (holidays, one-off replacements). Combine with one-off assignments before projecting.
 *
 * @example
 * expandWeeklyPattern([{ weekday: 1, shift: early }, { weekday: 2, shift: early }], '2026-03-01', '2026-03-31');
 */
export function expandWeeklyPattern(
  slots: readonly WeeklyShiftSlot[],
  from: LocalDate,
  to: LocalDate,
  exceptDates: readonly LocalDate[] = [],
): ShiftAssignment[] {
  const skip = new Set(exceptDates);
  const out: ShiftAssignment[] = [];
  for (const date of eachDate(from, to)) {
    if (skip.has(date)) continue;
    const weekday = weekdayOf(date);
    for (const slot of slots) {
      if (slot.weekday !== weekday) continue;
      if (slot.effectiveFrom && date < slot.effectiveFrom) continue;
      if (slot.effectiveTo && date > slot.effectiveTo) continue;
      out.push({ date, shift: slot.shift });
    }
  }
  return out;
}
