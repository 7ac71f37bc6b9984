/**
 * @module Input and output types of the projection: attendance events in, work days, entries, breaks,
 * exceptions and totals out. Every output value is plain JSON (ISO strings, integer minutes).
 */

/** A `YYYY-MM-DD` calendar date in the org's (or site's) time zone. */
export type LocalDate = string;
/** An ISO 8601 instant, e.g. `2026-03-29T06:00:00Z` (inputs may carry any offset; outputs are UTC). */
export type IsoInstant = string;
/** A `HH:MM` wall-clock time (24 h). */
export type LocalTime = string;
/** ISO weekday: 1 = Monday … 7 = Sunday. */
export type Weekday = 1 | 2 | 3 | 4 | 5 | 6 | 7;

export type PunchType = 'clock_in' | 'clock_out' | 'break_start' | 'break_end';
export type PunchSource = 'kiosk' | 'web' | 'mobile' | 'admin';
export type PunchMethod = 'face' | 'pin' | 'password' | 'admin';

/** One attendance event as recorded by a kiosk, the web clock or an admin. */
export interface PunchEvent {
  /** Globally unique (UUIDv7 from the recorder); the tie-breaker when two punches share an instant. */
  id: string;
  type: PunchType;
  occurredAt: IsoInstant;
  /** When the hub received it. Only used to decide whether it arrived after its period was locked. */
  receivedAt?: IsoInstant | null;
  source?: PunchSource;
  method?: PunchMethod;
  deviceId?: string | null;
  /** Web clock: the project/task the timer ran on. Carried onto the entry that this clock_in opens. */
  projectId?: string | null;
  taskId?: string | null;
}

/** A manager's manual time entry (an adjustment event): a whole in→out interval with a reason. */
export interface ManualEntryEvent {
  id: string;
  type: 'manual_entry';
  start: IsoInstant;
  end: IsoInstant;
  /** Recorded break inside the entry, in minutes (no start/end times). */
  breakMinutes?: number;
  projectId?: string | null;
  taskId?: string | null;
  actorId: string;
  reason: string;
  recordedAt: IsoInstant;
}

/** A manager's (or an approved modification request's) change to an earlier punch or manual entry. */
export interface EditEvent {
  id: string;
  type: 'edit';
  /** Id of a punch or manual entry. */
  targetId: string;
  /** New instant for a punch. */
  occurredAt?: IsoInstant;
  /** New type for a punch (e.g. a clock_in that should have been a clock_out). */
  punchType?: PunchType;
  /** New bounds / break for a manual entry. */
  start?: IsoInstant;
  end?: IsoInstant;
  breakMinutes?: number;
  actorId: string;
  reason: string;
  recordedAt: IsoInstant;
}

/** Voids a punch or manual entry. The original event stays in the log; the projection ignores it. */
export interface DeleteEvent {
  id: string;
  type: 'delete';
  targetId: string;
  actorId: string;
  reason: string;
  recordedAt: IsoInstant;
}

export type AdjustmentEvent = ManualEntryEvent | EditEvent | DeleteEvent;
export type AttendanceEvent = PunchEvent | AdjustmentEvent;

/** A reusable shift definition. `endTime <= startTime` means it ends on the next day (overnight). */
export interface ShiftTemplate {
  id: string;
  name?: string;
  startTime: LocalTime;
  endTime: LocalTime;
  /** Break allowance in minutes; used as the auto-deduction when `breaks.autoDeduct` is on. */
  breakMinutes?: number;
  /** Arriving up to this many minutes after the start is not late. */
  lateGraceMinutes?: number;
  /** Leaving up to this many minutes before the end is not early. Defaults to `lateGraceMinutes`. */
  earlyLeaveGraceMinutes?: number;
}

/** A shift template scheduled on a date (the date the shift starts). Several per date make a split shift. */
export interface ShiftAssignment {
  date: LocalDate;
  shift: ShiftTemplate;
}

export type RoundingMode = 'nearest' | 'up' | 'down' | 'employee_favour' | 'employer_favour';

export interface RoundingRule {
  /** Grid in minutes on the local wall clock (1, 5, 6, 10, 15, 30…). 1 only drops seconds. */
  stepMinutes: number;
  /**
   * `employee_favour` rounds clock-in down and clock-out up; `employer_favour` the reverse;
   * `nearest` rounds half-way up.
   */
  mode: RoundingMode;
}

export interface OvertimeTier {
  /** Worked minutes in the day (or week) after which this multiplier applies. */
  afterMinutes: number;
  multiplier: number;
}

export interface OvertimeRules {
  /** Daily tiers, e.g. `[{ afterMinutes: 480, multiplier: 1.5 }, { afterMinutes: 720, multiplier: 2 }]`. */
  daily: OvertimeTier[];
  /** Weekly threshold on minutes that are not already daily overtime, e.g. 2400 at 1.5. */
  weekly: OvertimeTier | null;
}

export interface BreakRules {
  /** Recorded break minutes per work day that are paid (short rest breaks); the rest is unpaid. */
  paidMinutesPerDay: number;
  /**
   * When a work day has at least `afterMinutes` of gross time and less unpaid break than `minutes`
   * (or the assigned shift's break allowance), the difference is deducted as an unpaid break.
   */
  autoDeduct: { afterMinutes: number; minutes: number } | null;
}

export interface RequiredBreakRule {
  /** Gross minutes in a work day above which the break is required (e.g. 360 = more than 6 h). */
  afterMinutes: number;
  /** Minimum total break (recorded breaks plus gaps between entries) that day. */
  minBreakMinutes: number;
}

export interface ComplianceRules {
  /** Longest allowed span from the first clock-in to the last clock-out of a work day. */
  maxShiftMinutes: number | null;
  /** Shortest allowed rest between the last clock-out of a work day and the first clock-in of the next. */
  minRestMinutes: number | null;
  requiredBreaks: RequiredBreakRule[];
}

/** Every rule the projection applies. Build it with `resolveRules` from org → site → employee layers. */
export interface TimeRules {
  rounding: RoundingRule;
  overtime: OvertimeRules;
  breaks: BreakRules;
  compliance: ComplianceRules;
  /** A second punch of the same type within this many minutes of the first is a duplicate. */
  duplicateWindowMinutes: number;
  /** A clock-in this many minutes before a shift's start (up to its end) is matched to that shift. */
  shiftMatchWindowMinutes: number;
  /** A clock_in/clock_out further than this from every assigned shift is flagged (when shifts exist). */
  farFromShiftMinutes: number;
  /** An entry open longer than this (at `asOf`) is reported as a missing clock-out instead of open. */
  maxOpenEntryMinutes: number;
}

/** Approved leave on a date. Counted in the day, never towards overtime. */
export interface LeaveDay {
  date: LocalDate;
  minutes: number;
  isPaid: boolean;
  leaveTypeId?: string;
}

/** A timesheet period that has been locked: events for it arriving after `lockedAt` are not applied. */
export interface LockedPeriod {
  start: LocalDate;
  /** Inclusive. */
  end: LocalDate;
  lockedAt: IsoInstant;
}

export interface ProjectionInput {
  employeeId: string;
  /** IANA zone of the org or the employee's site. Work days, rounding and periods use it. */
  timeZone: string;
  weekStart: Weekday;
  /** Inclusive local dates to report. Load events for `getProjectionWindow(...)`. */
  range: { from: LocalDate; to: LocalDate };
  /** The projection's "now": decides open vs missing clock-out and absences. Pass the job's clock. */
  asOf: IsoInstant;
  /** In any order; duplicates by id are ignored. */
  events: readonly AttendanceEvent[];
  /** Empty for employees without a schedule: then no lateness, absence or far-from-shift checks. */
  shifts?: readonly ShiftAssignment[];
  rules: TimeRules;
  leave?: readonly LeaveDay[];
  lockedPeriods?: readonly LockedPeriod[];
}

export type EntryStatus = 'complete' | 'open' | 'missing_clock_out';

export interface TimeEntry {
  /** The clock_in event id, or the manual entry event id. */
  id: string;
  employeeId: string;
  workDate: LocalDate;
  kind: 'punch' | 'manual';
  status: EntryStatus;
  /** Raw instants (after adjustments), UTC ISO. `end` is null unless complete. */
  start: IsoInstant;
  end: IsoInstant | null;
  /** Instants after the rounding rule; payable time is measured between these. */
  roundedStart: IsoInstant;
  roundedEnd: IsoInstant | null;
  /** roundedEnd − roundedStart, in minutes (0 unless complete). */
  grossMinutes: number;
  /** Minutes of this entry already covered by an earlier overlapping entry (not counted twice). */
  overlapMinutes: number;
  /** Recorded break minutes inside this entry. */
  breakMinutes: number;
  shiftId: string | null;
  projectId: string | null;
  taskId: string | null;
  /** Punch or adjustment event ids that produced this entry, in canonical order. */
  eventIds: string[];
}

export interface BreakRecord {
  /** The break_start event id, `<manual entry id>:break`, or `auto:<date>` for an auto-deduction. */
  id: string;
  entryId: string | null;
  workDate: LocalDate;
  kind: 'recorded' | 'auto_deducted';
  start: IsoInstant | null;
  end: IsoInstant | null;
  minutes: number;
  paidMinutes: number;
  unpaidMinutes: number;
}

/** Every exception code, for storage enums and filters (README.md has when each is raised). */
export const EXCEPTION_CODES = [
  'missing_clock_out',
  'missing_clock_in',
  'missing_break_end',
  'orphan_break_punch',
  'duplicate_punch',
  'overlapping_entries',
  'punch_far_from_shift',
  'late_arrival',
  'early_leave',
  'absent',
  'max_shift_length_exceeded',
  'insufficient_rest',
  'missing_required_break',
  'break_over_allowance',
  'adjustment_target_missing',
  'late_event_in_locked_period',
] as const;

export type ExceptionCode = (typeof EXCEPTION_CODES)[number];

export type ExceptionSeverity = 'info' | 'warning' | 'error';

export interface TimeException {
  /** Stable across recomputations: `<code>:<workDate>:<first event id or shift id>`. */
  id: string;
  code: ExceptionCode;
  severity: ExceptionSeverity;
  workDate: LocalDate;
  eventIds: string[];
  entryId: string | null;
  shiftId: string | null;
  /** Minutes late / early / over / short, where the code has a measure. */
  minutes: number | null;
  message: string;
}

export interface OvertimeMinutes {
  multiplier: number;
  minutes: number;
}

export interface WorkDay {
  date: LocalDate;
  /** Length of this local day: 1380, 1440 or 1500 on DST days (other values in zones like Lord Howe). */
  dayMinutes: number;
  /** First day of the overtime week this date belongs to. */
  weekStartDate: LocalDate;
  shiftIds: string[];
  entryIds: string[];
  /** Σ entry gross minus overlaps. */
  grossMinutes: number;
  paidBreakMinutes: number;
  unpaidBreakMinutes: number;
  autoDeductedMinutes: number;
  /** Paid working time: gross − unpaid breaks − auto-deduction. */
  workedMinutes: number;
  regularMinutes: number;
  overtime: OvertimeMinutes[];
  overtimeMinutes: number;
  lateMinutes: number;
  earlyLeaveMinutes: number;
  leaveMinutes: number;
  paidLeaveMinutes: number;
  exceptionIds: string[];
}

export interface ProjectionTotals {
  grossMinutes: number;
  workedMinutes: number;
  regularMinutes: number;
  overtimeMinutes: number;
  overtime: OvertimeMinutes[];
  paidBreakMinutes: number;
  unpaidBreakMinutes: number;
  autoDeductedMinutes: number;
  lateMinutes: number;
  earlyLeaveMinutes: number;
  leaveMinutes: number;
  paidLeaveMinutes: number;
  exceptionCount: number;
}

export interface Projection {
  employeeId: string;
  timeZone: string;
  range: { from: LocalDate; to: LocalDate };
  days: WorkDay[];
  entries: TimeEntry[];
  breaks: BreakRecord[];
  exceptions: TimeException[];
  totals: ProjectionTotals;
}
