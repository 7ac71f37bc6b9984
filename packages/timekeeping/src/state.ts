/**
 * @module Where an employee stands right now (off, working, on break), from their recent events: what
 * the kiosk offers as the next punch and what "who is in now" shows.
 */
import { normalizeEvents, validateEvents } from './normalize';
import { DEFAULT_RULES } from './rules';
import { MS_PER_MINUTE, parseInstant, toIso } from './time';
import type { AttendanceEvent, IsoInstant, PunchType } from './types';

export interface AttendanceState {
  status: 'off' | 'working' | 'on_break';
  /** When the current status began (the clock-in or break start); null when off. */
  since: IsoInstant | null;
  /** The open entry's id (its clock_in event id); null when off. */
  entryId: string | null;
  /** Punch types that make sense next, the most likely first. */
  nextPunchTypes: PunchType[];
}

/**
 * Replays the same normalisation and state machine as the projection (adjustments, double taps,
 * canonical order) over events up to `asOf`. A clock-in older than `maxOpenEntryMinutes` counts as a
 * forgotten clock-out: the employee is `off`, and the next punch is a fresh clock-in.
 *
 * @example
 * getAttendanceState(events, { asOf: new Date().toISOString() }).nextPunchTypes[0]; // 'clock_out'
 */
export function getAttendanceState(
  events: readonly AttendanceEvent[],
  options: { asOf: IsoInstant; maxOpenEntryMinutes?: number; duplicateWindowMinutes?: number },
): AttendanceState {
  validateEvents(events);
  const asOfMs = parseInstant(options.asOf, 'asOf');
  const maxOpen = options.maxOpenEntryMinutes ?? DEFAULT_RULES.maxOpenEntryMinutes;
  const { punches } = normalizeEvents(events, {
    zone: 'UTC', // only used for locked periods, of which there are none here
    lockedPeriods: [],
    duplicateWindowMinutes: options.duplicateWindowMinutes ?? DEFAULT_RULES.duplicateWindowMinutes,
  });

  let clockIn: { id: string; ms: number } | null = null;
  let breakStart: number | null = null;
  for (const punch of punches) {
    if (punch.ms > asOfMs) break;
    switch (punch.type) {
      case 'clock_in':
        clockIn = { id: punch.id, ms: punch.ms };
        breakStart = null;
        break;
      case 'clock_out':
        clockIn = null;
        breakStart = null;
        break;
      case 'break_start':
        if (clockIn && breakStart === null) breakStart = punch.ms;
        break;
      case 'break_end':
        if (clockIn) breakStart = null;
        break;
    }
  }
  if (!clockIn || (asOfMs - clockIn.ms) / MS_PER_MINUTE > maxOpen) {
    return { status: 'off', since: null, entryId: null, nextPunchTypes: ['clock_in'] };
  }
  if (breakStart !== null) {
    return {
      status: 'on_break',
      since: toIso(breakStart),
      entryId: clockIn.id,
      nextPunchTypes: ['break_end', 'clock_out'],
    };
  }
  return {
    status: 'working',
    since: toIso(clockIn.ms),
    entryId: clockIn.id,
    nextPunchTypes: ['clock_out', 'break_start'],
  };
}
