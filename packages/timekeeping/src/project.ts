/**
 * @module `projectEmployeeDays`: one employee's attendance events → work days, entries, breaks,
 * overtime, exceptions and totals over a date range. Pure and deterministic: the same input in any
 * event order gives the same output, which is what lets the hub recompute after late events.
 */
import { AppError, type AppErrorIssue } from '@clockface/core';
import { type ExceptionDraft, type ManualEntry, normalizeEvents, validateEvents } from './normalize';
import { applyWeeklyOvertime, type DailySplit, mergeOvertime, splitDailyOvertime } from './overtime';
import { pairPunches, type RawEntry } from './pairing';
import { roundPunch, truncateToMinute } from './rounding';
import { isNearAnyShift, matchShift, type ShiftInstance, toShiftInstance } from './shifts';
import {
  addDays,
  assertLocalDate,
  assertLocalTime,
  assertTimeZone,
  eachDate,
  localDateOf,
  MS_PER_MINUTE,
  minutesInLocalDay,
  parseInstant,
  startOfLocalDay,
  startOfWeek,
  toIso,
} from './time';
import type {
  AttendanceEvent,
  BreakRecord,
  LockedPeriod,
  IsoInstant,
  LocalDate,
  Projection,
  ProjectionInput,
  ProjectionTotals,
  TimeEntry,
  TimeException,
  TimeRules,
  Weekday,
  WorkDay,
} from './types';

/** Placed entry: a raw entry with its work day, shift and rounded bounds (epoch ms). */
interface PlacedEntry {
  raw: RawEntry;
  workDate: LocalDate;
  shift: ShiftInstance | null;
  roundedStartMs: number;
  roundedEndMs: number | null;
  grossMinutes: number;
  overlapMinutes: number;
  breaks: { id: string; startMs: number | null; endMs: number | null; minutes: number }[];
  breakMinutes: number;
  /** Taken as-is from a locked period's lock-time projection. */
  isFrozen: boolean;
}

/**
 * The instant interval whose events `projectEmployeeDays` needs for `range`: from the start of the
 * overtime week containing `from` (weekly overtime needs the whole week) minus one day (a clock-in the
 * evening before can pair with a clock-out on the first day), to the end of the week containing `to`
 * plus one day (an overnight entry started on the last day ends the next morning).
 *
 * @example
 * const { start, end } = getProjectionWindow({ from: '2026-03-01', to: '2026-03-31' }, 1, 'Europe/Berlin');
 * // load events with start <= occurred_at < end, plus adjustment events targeting them
 */
export function getProjectionWindow(
  range: { from: LocalDate; to: LocalDate },
  weekStart: Weekday,
  zone: string,
): { start: IsoInstant; end: IsoInstant } {
  const { computeFrom, computeTo } = computeDates(range, weekStart);
  return {
    start: toIso(startOfLocalDay(addDays(computeFrom, -1), zone)),
    end: toIso(startOfLocalDay(addDays(computeTo, 2), zone)),
  };
}

function computeDates(range: { from: LocalDate; to: LocalDate }, weekStart: Weekday) {
  return {
    computeFrom: startOfWeek(range.from, weekStart),
    computeTo: addDays(startOfWeek(range.to, weekStart), 6),
  };
}

/**
 * Projects one employee's events over `input.range`.
 *
 * Rules, in the order they apply (README.md has the reasoning):
 * 0. Locked periods keep the entries projected from the events recorded before their lock; later
 *    events that would change them are flagged `late_event_in_locked_period` instead.
 * 1. Events are de-duplicated by id, adjusted by edit/delete events in recorded order, sorted by
 *    `occurredAt` then id, and cleared of double taps.
 * 2. Punches pair clock_in → clock_out with breaks inside; manual entries are entries as given.
 * 3. Each entry belongs to the date of the shift it matches (the date the shift starts), otherwise to
 *    the local date of its clock-in. Entries are never split at midnight.
 * 4. In and out are rounded on the local wall clock; breaks are clamped into the rounded entry.
 * 5. Per day: gross − unpaid breaks − auto-deduction = worked; then daily overtime tiers, then the
 *    weekly threshold on the remaining regular minutes.
 * 6. Lateness, early leave, absence, far-from-shift punches and compliance become exceptions.
 *
 * Throws `AppError('VALIDATION_FAILED')` listing every malformed field; never throws on messy but
 * well-formed data (that becomes exceptions).
 *
 * @example
 * const projection = projectEmployeeDays({
 *   employeeId: 'emp-1',
 *   timeZone: 'Europe/Berlin',
 *   weekStart: 1,
 *   range: { from: '2026-03-23', to: '2026-03-29' },
 *   asOf: '2026-03-30T00:00:00Z',
 *   events,
 *   shifts: [{ date: '2026-03-23', shift: { id: 'early', startTime: '06:00', endTime: '14:00' } }],
 *   rules: resolveRules(orgPolicy, sitePolicy),
 * });
 * projection.totals.workedMinutes;
 */
export function projectEmployeeDays(input: ProjectionInput): Projection {
  validateInput(input);
  return project(input, computeFreezes(input)).projection;
}

/**
 * Locked periods are immutable: each keeps the entries and exceptions of the projection made from
 * the events recorded up to its lock ("freezes", built in lock order, each on top of the earlier
 * ones). A period with nothing recorded after its lock needs no freeze: the current projection is
 * its lock-time projection.
 */
function computeFreezes(input: ProjectionInput): Freeze[] {
  const locks = (input.lockedPeriods ?? [])
    .map((period) => ({ period, lockedMs: parseInstant(period.lockedAt, 'lockedAt') }))
    .sort((a, b) => a.lockedMs - b.lockedMs || compareStrings(a.period.start, b.period.start));
  if (locks.length === 0) return [];
  const recordedAtById = recordedAtOf(input.events);
  const latest = Math.max(-Infinity, ...recordedAtById.values());
  const freezes: Freeze[] = [];
  for (const { period, lockedMs } of locks) {
    if (latest <= lockedMs) continue;
    const inPeriod = (date: LocalDate) => date >= period.start && date <= period.end;
    const atLock = project(
      {
        ...input,
        events: input.events.filter((e) => (recordedAtById.get(e.id) ?? -Infinity) <= lockedMs),
        range: { from: period.start, to: period.end },
        lockedPeriods: locks.filter((l) => l.lockedMs < lockedMs).map((l) => l.period),
      },
      [...freezes],
    );
    const entries = atLock.placed.filter((p) => !p.isFrozen && inPeriod(p.workDate));
    const exceptions = atLock.projection.exceptions.filter(
      (e) => e.code !== 'late_event_in_locked_period' && inPeriod(e.workDate),
    );
    const eventDates = new Map<string, LocalDate>();
    for (const e of entries) for (const id of e.raw.eventIds) eventDates.set(id, e.workDate);
    for (const e of exceptions) {
      // The first id of a double tap is the punch that was kept, possibly outside the period.
      const stray =
        e.code === 'duplicate_punch'
          ? e.eventIds.slice(1)
          : e.code === 'missing_clock_in' || e.code === 'orphan_break_punch'
            ? e.eventIds
            : [];
      for (const id of stray) eventDates.set(id, e.workDate);
    }
    freezes.push({ period, entries: entries.map((e) => ({ ...e, isFrozen: true })), eventDates, exceptions });
  }
  return freezes;
}

function project(
  input: ProjectionInput,
  freezes: readonly Freeze[],
): { projection: Projection; placed: PlacedEntry[] } {
  const zone = input.timeZone;
  const rules = input.rules;
  const asOfMs = parseInstant(input.asOf, 'asOf');
  const { computeFrom, computeTo } = computeDates(input.range, input.weekStart);
  const inRange = (date: LocalDate) => date >= input.range.from && date <= input.range.to;

  const shiftInstances = (input.shifts ?? [])
    .map((a) => toShiftInstance(a, zone))
    .sort((a, b) => a.startMs - b.startMs || compareStrings(a.shiftId, b.shiftId));

  const { placed, drafts } = buildEntries(input, shiftInstances, asOfMs, freezes);
  const isFrozenDate = (date: LocalDate) =>
    freezes.some((f) => date >= f.period.start && date <= f.period.end);

  const dates = eachDate(computeFrom, computeTo);
  const entriesByDate = groupBy(placed, (p) => p.workDate);
  const shiftsByDate = groupBy(shiftInstances, (s) => s.date);
  const leaveByDate = groupBy(input.leave ?? [], (l) => l.date);
  const entriesByShift = groupBy(
    placed.filter((p) => p.shift !== null),
    (p) => shiftKey(p.shift!),
  );
  const breakRecords: BreakRecord[] = [];

  const days: WorkDay[] = dates.map((date) => {
    const dayEntries = entriesByDate.get(date) ?? [];
    const dayShifts = shiftsByDate.get(date) ?? [];
    const leave = leaveByDate.get(date) ?? [];
    const gross = sum(dayEntries.map((e) => e.grossMinutes - e.overlapMinutes));

    // The first `paidMinutesPerDay` of recorded breaks, in time order, are paid.
    let paidAllowance = rules.breaks.paidMinutesPerDay;
    let paidBreak = 0;
    let unpaidBreak = 0;
    for (const entry of dayEntries) {
      for (const b of entry.breaks) {
        const paid = Math.min(paidAllowance, b.minutes);
        paidAllowance -= paid;
        paidBreak += paid;
        unpaidBreak += b.minutes - paid;
        breakRecords.push({
          id: b.id,
          entryId: entry.raw.id,
          workDate: date,
          kind: 'recorded',
          start: b.startMs === null ? null : toIso(b.startMs),
          end: b.endMs === null ? null : toIso(b.endMs),
          minutes: b.minutes,
          paidMinutes: paid,
          unpaidMinutes: b.minutes - paid,
        });
      }
    }
    unpaidBreak = Math.min(unpaidBreak, gross);
    const recordedBreak = paidBreak + unpaidBreak;
    const shiftAllowance = Math.max(0, ...dayShifts.map((s) => s.breakMinutes));
    let autoDeducted = 0;
    const auto = rules.breaks.autoDeduct;
    if (auto && gross >= auto.afterMinutes) {
      const required = shiftAllowance > 0 ? shiftAllowance : auto.minutes;
      autoDeducted = Math.max(0, Math.min(required - recordedBreak, gross - unpaidBreak));
      if (autoDeducted > 0) {
        breakRecords.push({
          id: `auto:${date}`,
          entryId: null,
          workDate: date,
          kind: 'auto_deducted',
          start: null,
          end: null,
          minutes: autoDeducted,
          paidMinutes: 0,
          unpaidMinutes: autoDeducted,
        });
      }
    }
    if (shiftAllowance > 0 && recordedBreak > shiftAllowance) {
      drafts.push({
        code: 'break_over_allowance',
        severity: 'info',
        workDate: date,
        eventIds: [],
        shiftId: dayShifts[0]?.shiftId ?? null,
        key: 'breaks',
        minutes: recordedBreak - shiftAllowance,
        message: `Breaks of ${recordedBreak} min exceed the shift's allowance of ${shiftAllowance} min.`,
      });
    }
    const worked = gross - unpaidBreak - autoDeducted;

    const { lateMinutes, earlyLeaveMinutes } = checkShifts(
      date,
      dayShifts,
      entriesByShift,
      leave.length > 0,
      asOfMs,
      drafts,
    );
    checkCompliance(date, dayEntries, gross, recordedBreak, rules, drafts);

    return {
      date,
      dayMinutes: minutesInLocalDay(date, zone),
      weekStartDate: startOfWeek(date, input.weekStart),
      shiftIds: dayShifts.map((s) => s.shiftId),
      entryIds: dayEntries.map((e) => e.raw.id),
      grossMinutes: gross,
      paidBreakMinutes: paidBreak,
      unpaidBreakMinutes: unpaidBreak,
      autoDeductedMinutes: autoDeducted,
      workedMinutes: worked,
      regularMinutes: worked,
      overtime: [],
      overtimeMinutes: 0,
      lateMinutes,
      earlyLeaveMinutes,
      leaveMinutes: sum(leave.map((l) => l.minutes)),
      paidLeaveMinutes: sum(leave.filter((l) => l.isPaid).map((l) => l.minutes)),
      exceptionIds: [],
    };
  });

  checkRest(placed, rules, drafts);

  // Overtime: daily tiers per day, then the weekly threshold across each full week in date order.
  const splits = new Map<LocalDate, DailySplit>();
  for (const day of days) splits.set(day.date, splitDailyOvertime(day.workedMinutes, rules.overtime.daily));
  for (const weekDays of groupBy(days, (d) => d.weekStartDate).values()) {
    applyWeeklyOvertime(
      weekDays.map((d) => splits.get(d.date)!),
      rules.overtime.weekly,
    );
  }
  for (const day of days) {
    const split = splits.get(day.date)!;
    day.regularMinutes = split.regularMinutes;
    day.overtime = mergeOvertime(split.overtime);
    day.overtimeMinutes = sum(day.overtime.map((o) => o.minutes));
  }

  // A locked day keeps the exceptions it had at lock time; only "late" flags are added to it.
  const exceptions = [
    ...finishExceptions(
      drafts.filter((d) => d.code === 'late_event_in_locked_period' || !isFrozenDate(draftDate(d, zone))),
      zone,
    ),
    ...freezes.flatMap((f) => f.exceptions),
  ]
    .filter((e) => inRange(e.workDate))
    .sort(
      (a, b) =>
        compareStrings(a.workDate, b.workDate) ||
        SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] ||
        compareStrings(a.id, b.id),
    );
  const exceptionsByDate = groupBy(exceptions, (e) => e.workDate);
  const outDays = days.filter((d) => inRange(d.date));
  for (const day of outDays) day.exceptionIds = (exceptionsByDate.get(day.date) ?? []).map((e) => e.id);

  const entries: TimeEntry[] = placed
    .filter((p) => inRange(p.workDate))
    .map((p) => toTimeEntry(p, input.employeeId));
  const breaks = breakRecords
    .filter((b) => inRange(b.workDate))
    .sort(
      (a, b) =>
        (a.workDate < b.workDate ? -1 : a.workDate > b.workDate ? 1 : 0) ||
        compareNullableIso(a.start, b.start) ||
        (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
    );

  const projection: Projection = {
    employeeId: input.employeeId,
    timeZone: zone,
    range: { from: input.range.from, to: input.range.to },
    days: outDays,
    entries,
    breaks,
    exceptions,
    totals: totalsOf(outDays, exceptions.length),
  };
  return { projection, placed };
}

/**
 * Events → placed entries and exception drafts on top of the locked periods' freezes: events a frozen
 * entry is made of are skipped, late edits/deletes of them and new work on a locked day are flagged
 * `late_event_in_locked_period`, and the frozen entries are added as they were.
 */
function buildEntries(
  input: ProjectionInput,
  shiftInstances: readonly ShiftInstance[],
  asOfMs: number,
  freezes: readonly Freeze[],
): { placed: PlacedEntry[]; drafts: ExceptionDraft[] } {
  const zone = input.timeZone;
  const rules = input.rules;
  const lockedPeriods = input.lockedPeriods ?? [];
  const isFrozenDate = (date: LocalDate) =>
    freezes.some((f) => date >= f.period.start && date <= f.period.end);

  const events = input.events;
  const frozenDateOf = new Map<string, LocalDate>();
  for (const f of freezes) for (const [id, date] of f.eventDates) frozenDateOf.set(id, date);
  const drafts: ExceptionDraft[] = [];
  // An edit or delete of an event a frozen entry is made of was recorded after that lock (edits
  // recorded before it are part of the frozen entry): it is not applied, and flagged on the locked day.
  const skipped = new Set(frozenDateOf.keys());
  for (const e of events) {
    if (e.type !== 'edit' && e.type !== 'delete') continue;
    const lockedDate = frozenDateOf.get(e.targetId);
    if (lockedDate === undefined || frozenDateOf.has(e.id)) continue;
    skipped.add(e.id);
    drafts.push({
      code: 'late_event_in_locked_period',
      severity: 'warning',
      workDate: lockedDate,
      eventIds: [e.id, e.targetId],
      message:
        'Recorded after its timesheet period was locked; not applied. Adjust it in the next open period.',
    });
  }
  const normalized = normalizeEvents(events, {
    zone,
    lockedPeriods,
    duplicateWindowMinutes: rules.duplicateWindowMinutes,
    skippedIds: skipped,
  });
  const paired = pairPunches(normalized.punches, {
    asOfMs,
    maxOpenEntryMinutes: rules.maxOpenEntryMinutes,
  });
  const placed: PlacedEntry[] = [];
  for (const raw of [...paired.entries, ...normalized.manualEntries.map(manualToRawEntry)]) {
    const entry = placeEntry(raw, shiftInstances, rules, zone);
    if (!isFrozenDate(entry.workDate)) {
      placed.push(entry);
      continue;
    }
    // Work for a locked day that the lock-time projection did not have: new events made it.
    drafts.push({
      code: 'late_event_in_locked_period',
      severity: 'warning',
      workDate: entry.workDate,
      eventIds: [...raw.eventIds],
      entryId: raw.id,
      message:
        'Recorded after its timesheet period was locked; not applied. Adjust it in the next open period.',
    });
  }
  for (const f of freezes) placed.push(...f.entries.map((e) => ({ ...e })));
  placed.sort((a, b) => a.raw.startMs - b.raw.startMs || compareStrings(a.raw.id, b.raw.id));
  const own = [...normalized.exceptions, ...paired.exceptions];
  markOverlaps(placed, own);
  for (const d of own) {
    // A frozen day keeps the exceptions it had at lock time; only "late" flags are added to it.
    if (d.code === 'late_event_in_locked_period' || !isFrozenDate(draftDate(d, zone))) drafts.push(d);
  }
  // Far-from-shift: judged per punch, only for employees who have a schedule at all.
  if (shiftInstances.length > 0) {
    const entryOfEvent = new Map<string, PlacedEntry>();
    for (const p of placed) for (const id of p.raw.eventIds) entryOfEvent.set(id, p);
    for (const punch of normalized.punches) {
      if (punch.type !== 'clock_in' && punch.type !== 'clock_out') continue;
      if (isNearAnyShift(punch.ms, shiftInstances, rules.farFromShiftMinutes)) continue;
      const entry = entryOfEvent.get(punch.id);
      const workDate = entry?.workDate ?? localDateOf(punch.ms, zone);
      if (isFrozenDate(workDate)) continue;
      drafts.push({
        code: 'punch_far_from_shift',
        severity: 'warning',
        workDate,
        atMs: punch.ms,
        eventIds: [punch.id],
        entryId: entry?.raw.id ?? null,
        message: `${punch.type} more than ${rules.farFromShiftMinutes} min from any assigned shift.`,
      });
    }
  }
  return { placed, drafts };
}

function manualToRawEntry(m: ManualEntry): RawEntry {
  return {
    id: m.id,
    kind: 'manual',
    status: 'complete',
    startMs: m.startMs,
    endMs: m.endMs,
    breaks: [],
    unplacedBreakMinutes: m.breakMinutes,
    projectId: m.projectId,
    taskId: m.taskId,
    eventIds: m.eventIds,
  };
}

/** When each event reached the system: `receivedAt` for punches (null: on time), `recordedAt` otherwise. */
function recordedAtOf(events: readonly AttendanceEvent[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const e of events) {
    const at = 'recordedAt' in e ? e.recordedAt : e.receivedAt;
    if (at) out.set(e.id, Math.max(out.get(e.id) ?? -Infinity, parseInstant(at, 'recordedAt')));
  }
  return out;
}

interface Freeze {
  period: LockedPeriod;
  /** The period's entries as projected at lock time. */
  entries: PlacedEntry[];
  /**
   * Every event the period accounted for at lock time, with its locked day: what its entries are made
   * of (punches, manual entries, edits applied before the lock) and the stray punches it reported
   * (double taps, clock-outs without clock-in). They stay with the period and never pair again.
   */
  eventDates: ReadonlyMap<string, LocalDate>;
  /** The period's exceptions at lock time, ids included. */
  exceptions: TimeException[];
}

function draftDate(d: ExceptionDraft, zone: string): LocalDate {
  return d.workDate ?? localDateOf(d.atMs ?? 0, zone);
}

function placeEntry(
  raw: RawEntry,
  shifts: readonly ShiftInstance[],
  rules: TimeRules,
  zone: string,
): PlacedEntry {
  const shift = matchShift(raw.startMs, shifts, rules.shiftMatchWindowMinutes);
  const workDate = shift?.date ?? localDateOf(raw.startMs, zone);
  const roundedStartMs = roundPunch(raw.startMs, 'start', rules.rounding, zone);
  if (raw.endMs === null) {
    return {
      raw,
      workDate,
      shift,
      roundedStartMs,
      roundedEndMs: null,
      grossMinutes: 0,
      overlapMinutes: 0,
      breaks: [],
      breakMinutes: 0,
      isFrozen: false,
    };
  }
  // Rounding in and out independently can cross them on a very short entry; it then counts zero.
  const roundedEndMs = Math.max(roundedStartMs, roundPunch(raw.endMs, 'end', rules.rounding, zone));
  const grossMinutes = (roundedEndMs - roundedStartMs) / MS_PER_MINUTE;
  const clamp = (ms: number) => Math.min(roundedEndMs, Math.max(roundedStartMs, truncateToMinute(ms)));
  const breaks: PlacedEntry['breaks'] = raw.breaks.map((b) => {
    const startMs = clamp(b.startMs);
    const endMs = clamp(b.endMs);
    return { id: b.id, startMs, endMs, minutes: (endMs - startMs) / MS_PER_MINUTE };
  });
  if (raw.unplacedBreakMinutes > 0) {
    breaks.push({
      id: `${raw.id}:break`,
      startMs: null,
      endMs: null,
      minutes: Math.min(raw.unplacedBreakMinutes, grossMinutes),
    });
  }
  return {
    raw,
    workDate,
    shift,
    roundedStartMs,
    roundedEndMs,
    grossMinutes,
    overlapMinutes: 0,
    breaks,
    breakMinutes: Math.min(grossMinutes, sum(breaks.map((b) => b.minutes))),
    isFrozen: false,
  };
}

/**
 * Entries from punches cannot overlap (the pairing is sequential), but manual entries can overlap
 * punched ones, and rounding can make neighbouring entries overlap (out at 10:01 rounded up to 10:15,
 * in again at 10:05 rounded down to 10:00). The overlapped minutes are taken off the later-starting
 * entry so that no minute is counted twice. Only a real overlap of the unrounded times is flagged.
 * A frozen (locked) entry keeps the overlap it had at lock time, so a new entry that starts before
 * it and overlaps it is flagged and must be corrected.
 */
function markOverlaps(placed: readonly PlacedEntry[], drafts: ExceptionDraft[]): void {
  const complete = placed.filter((p) => p.roundedEndMs !== null);
  const byRoundedStart = [...complete].sort(
    (a, b) =>
      a.roundedStartMs - b.roundedStartMs ||
      a.raw.startMs - b.raw.startMs ||
      compareStrings(a.raw.id, b.raw.id),
  );
  let latest: PlacedEntry | null = null;
  for (const entry of byRoundedStart) {
    if (latest && entry.roundedStartMs < latest.roundedEndMs!) {
      const overlap =
        (Math.min(entry.roundedEndMs!, latest.roundedEndMs!) - entry.roundedStartMs) / MS_PER_MINUTE;
      // A frozen (locked) entry keeps the overlap it had at lock time.
      if (!entry.isFrozen) entry.overlapMinutes += overlap;
    }
    if (!latest || entry.roundedEndMs! > latest.roundedEndMs!) latest = entry;
  }
  // `placed` is in raw start order.
  let latestRaw: PlacedEntry | null = null;
  for (const entry of complete) {
    if (latestRaw && entry.raw.startMs < latestRaw.raw.endMs! && !(entry.isFrozen && latestRaw.isFrozen)) {
      // Reported on the entry that can still be corrected: the later one, unless it is locked.
      const flagged = entry.isFrozen ? latestRaw : entry;
      const other = flagged === entry ? latestRaw : entry;
      drafts.push({
        code: 'overlapping_entries',
        severity: 'error',
        workDate: flagged.workDate,
        eventIds: [other.raw.id, flagged.raw.id],
        entryId: flagged.raw.id,
        key: flagged.raw.id,
        minutes: Math.floor(
          (Math.min(entry.raw.endMs!, latestRaw.raw.endMs!) - entry.raw.startMs) / MS_PER_MINUTE,
        ),
        message: `Entry overlaps entry ${other.raw.id}; the overlapping time is counted once.`,
      });
    }
    if (!latestRaw || entry.raw.endMs! > latestRaw.raw.endMs!) latestRaw = entry;
  }
}

/** By value, not identity: frozen entries carry shift instances from their lock-time projection. */
function shiftKey(shift: ShiftInstance): string {
  return `${shift.shiftId}|${shift.date}|${shift.startMs}`;
}

function checkShifts(
  date: LocalDate,
  dayShifts: readonly ShiftInstance[],
  entriesByShift: ReadonlyMap<string, PlacedEntry[]>,
  isOnLeave: boolean,
  asOfMs: number,
  drafts: ExceptionDraft[],
): { lateMinutes: number; earlyLeaveMinutes: number } {
  let lateMinutes = 0;
  let earlyLeaveMinutes = 0;
  for (const shift of dayShifts) {
    const matched = entriesByShift.get(shiftKey(shift)) ?? [];
    const first = matched[0];
    if (!first) {
      if (!isOnLeave && shift.endMs <= asOfMs) {
        drafts.push({
          code: 'absent',
          severity: 'warning',
          workDate: date,
          eventIds: [],
          shiftId: shift.shiftId,
          key: shift.shiftId,
          minutes: (shift.endMs - shift.startMs) / MS_PER_MINUTE,
          message: 'Scheduled shift with no time recorded and no leave.',
        });
      }
      continue;
    }
    const late = (truncateToMinute(first.raw.startMs) - shift.startMs) / MS_PER_MINUTE;
    if (late > shift.lateGraceMinutes) {
      lateMinutes += late;
      drafts.push({
        code: 'late_arrival',
        severity: 'warning',
        workDate: date,
        eventIds: [first.raw.id],
        entryId: first.raw.id,
        shiftId: shift.shiftId,
        minutes: late,
        message: `Clocked in ${late} min after the shift start (grace ${shift.lateGraceMinutes} min).`,
      });
    }
    const last = matched.at(-1)!;
    if (last.raw.endMs !== null) {
      const early = (shift.endMs - truncateToMinute(last.raw.endMs)) / MS_PER_MINUTE;
      if (early > shift.earlyLeaveGraceMinutes) {
        earlyLeaveMinutes += early;
        drafts.push({
          code: 'early_leave',
          severity: 'warning',
          workDate: date,
          eventIds: [last.raw.eventIds.at(-1) ?? last.raw.id],
          entryId: last.raw.id,
          shiftId: shift.shiftId,
          minutes: early,
          message: `Clocked out ${early} min before the shift end (grace ${shift.earlyLeaveGraceMinutes} min).`,
        });
      }
    }
  }
  return { lateMinutes, earlyLeaveMinutes };
}

function checkCompliance(
  date: LocalDate,
  dayEntries: readonly PlacedEntry[],
  gross: number,
  recordedBreak: number,
  rules: TimeRules,
  drafts: ExceptionDraft[],
): void {
  const complete = dayEntries.filter((e) => e.raw.endMs !== null);
  if (complete.length === 0) return;
  const firstStart = Math.min(...complete.map((e) => e.raw.startMs));
  const lastEnd = Math.max(...complete.map((e) => e.raw.endMs!));
  const { maxShiftMinutes, requiredBreaks } = rules.compliance;
  const span = Math.floor((lastEnd - firstStart) / MS_PER_MINUTE);
  if (maxShiftMinutes !== null && span > maxShiftMinutes) {
    drafts.push({
      code: 'max_shift_length_exceeded',
      severity: 'warning',
      workDate: date,
      eventIds: [complete[0]!.raw.id],
      entryId: complete[0]!.raw.id,
      minutes: span - maxShiftMinutes,
      message: `Work day spans ${span} min, over the maximum of ${maxShiftMinutes} min.`,
    });
  }
  // Gaps between the day's entries are breaks too (clocked out for lunch).
  let gaps = 0;
  for (let i = 1; i < complete.length; i++) {
    const previousEnd = Math.max(...complete.slice(0, i).map((e) => e.roundedEndMs!));
    gaps += Math.max(0, (complete[i]!.roundedStartMs - previousEnd) / MS_PER_MINUTE);
  }
  for (const rule of requiredBreaks) {
    const taken = recordedBreak + gaps;
    if (gross > rule.afterMinutes && taken < rule.minBreakMinutes) {
      drafts.push({
        code: 'missing_required_break',
        severity: 'warning',
        workDate: date,
        eventIds: [complete[0]!.raw.id],
        key: `after-${rule.afterMinutes}`,
        minutes: rule.minBreakMinutes - taken,
        message: `Worked over ${rule.afterMinutes} min with ${taken} min of break; ${rule.minBreakMinutes} min required.`,
      });
    }
  }
}

/** Rest between consecutive work days: last clock-out of one to the first clock-in of the next. */
function checkRest(placed: readonly PlacedEntry[], rules: TimeRules, drafts: ExceptionDraft[]): void {
  const minRest = rules.compliance.minRestMinutes;
  if (minRest === null) return;
  const byDate = groupBy(
    placed.filter((p) => p.raw.endMs !== null),
    (p) => p.workDate,
  );
  const dates = [...byDate.keys()].sort();
  for (let i = 1; i < dates.length; i++) {
    const previous = byDate.get(dates[i - 1]!)!;
    const current = byDate.get(dates[i]!)!;
    const lastEnd = Math.max(...previous.map((e) => e.raw.endMs!));
    const first = current.reduce((a, b) => (b.raw.startMs < a.raw.startMs ? b : a));
    const rest = Math.floor((first.raw.startMs - lastEnd) / MS_PER_MINUTE);
    if (rest < minRest) {
      drafts.push({
        code: 'insufficient_rest',
        severity: 'warning',
        workDate: dates[i]!,
        eventIds: [first.raw.id],
        entryId: first.raw.id,
        minutes: minRest - rest,
        message: `Only ${rest} min of rest since the previous work day; ${minRest} min required.`,
      });
    }
  }
}

const SEVERITY_ORDER = { error: 0, warning: 1, info: 2 } as const;

function finishExceptions(drafts: readonly ExceptionDraft[], zone: string): TimeException[] {
  const resolved = drafts.map((d) => {
    const workDate = d.workDate ?? localDateOf(d.atMs ?? 0, zone);
    const key = d.key ?? d.eventIds[0] ?? d.shiftId ?? 'day';
    return { d, workDate, base: `${d.code}:${workDate}:${key}` };
  });
  resolved.sort(
    (a, b) =>
      (a.workDate < b.workDate ? -1 : a.workDate > b.workDate ? 1 : 0) ||
      SEVERITY_ORDER[a.d.severity] - SEVERITY_ORDER[b.d.severity] ||
      (a.base < b.base ? -1 : a.base > b.base ? 1 : 0) ||
      compareStrings(a.d.eventIds.join(','), b.d.eventIds.join(',')),
  );
  const seen = new Map<string, number>();
  return resolved.map(({ d, workDate, base }) => {
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return {
      id: n === 1 ? base : `${base}#${n}`,
      code: d.code,
      severity: d.severity,
      workDate,
      eventIds: [...d.eventIds],
      entryId: d.entryId ?? null,
      shiftId: d.shiftId ?? null,
      minutes: d.minutes ?? null,
      message: d.message,
    };
  });
}

function toTimeEntry(p: PlacedEntry, employeeId: string): TimeEntry {
  const isComplete = p.raw.status === 'complete';
  return {
    id: p.raw.id,
    employeeId,
    workDate: p.workDate,
    kind: p.raw.kind,
    status: p.raw.status,
    start: toIso(p.raw.startMs),
    end: isComplete && p.raw.endMs !== null ? toIso(p.raw.endMs) : null,
    roundedStart: toIso(p.roundedStartMs),
    roundedEnd: p.roundedEndMs === null ? null : toIso(p.roundedEndMs),
    grossMinutes: p.grossMinutes,
    overlapMinutes: p.overlapMinutes,
    breakMinutes: p.breakMinutes,
    shiftId: p.shift?.shiftId ?? null,
    projectId: p.raw.projectId,
    taskId: p.raw.taskId,
    eventIds: [...p.raw.eventIds],
  };
}

function totalsOf(days: readonly WorkDay[], exceptionCount: number): ProjectionTotals {
  const total = (pick: (d: WorkDay) => number) => sum(days.map(pick));
  const overtime = mergeOvertime(days.flatMap((d) => d.overtime));
  return {
    grossMinutes: total((d) => d.grossMinutes),
    workedMinutes: total((d) => d.workedMinutes),
    regularMinutes: total((d) => d.regularMinutes),
    overtimeMinutes: sum(overtime.map((o) => o.minutes)),
    overtime,
    paidBreakMinutes: total((d) => d.paidBreakMinutes),
    unpaidBreakMinutes: total((d) => d.unpaidBreakMinutes),
    autoDeductedMinutes: total((d) => d.autoDeductedMinutes),
    lateMinutes: total((d) => d.lateMinutes),
    earlyLeaveMinutes: total((d) => d.earlyLeaveMinutes),
    leaveMinutes: total((d) => d.leaveMinutes),
    paidLeaveMinutes: total((d) => d.paidLeaveMinutes),
    exceptionCount,
  };
}

function validateInput(input: ProjectionInput): void {
  const issues: AppErrorIssue[] = [];
  const attempt = (fn: () => void) => {
    try {
      fn();
    } catch (error) {
      if (error instanceof AppError && error.issues) issues.push(...error.issues);
      else throw error;
    }
  };
  attempt(() => assertTimeZone(input.timeZone));
  attempt(() => assertLocalDate(input.range.from, 'range.from'));
  attempt(() => assertLocalDate(input.range.to, 'range.to'));
  attempt(() => parseInstant(input.asOf, 'asOf'));
  if (input.range.from > input.range.to) issues.push({ path: 'range.to', message: 'Expected to >= from' });
  if (![1, 2, 3, 4, 5, 6, 7].includes(input.weekStart)) {
    issues.push({ path: 'weekStart', message: 'Expected an ISO weekday 1–7' });
  }
  const step = input.rules.rounding.stepMinutes;
  if (!Number.isInteger(step) || step < 1 || step > 60) {
    issues.push({ path: 'rules.rounding.stepMinutes', message: 'Expected whole minutes 1–60' });
  }
  (input.shifts ?? []).forEach((a, i) => {
    attempt(() => assertLocalDate(a.date, `shifts.${i}.date`));
    attempt(() => assertLocalTime(a.shift.startTime, `shifts.${i}.shift.startTime`));
    attempt(() => assertLocalTime(a.shift.endTime, `shifts.${i}.shift.endTime`));
  });
  (input.leave ?? []).forEach((l, i) => attempt(() => assertLocalDate(l.date, `leave.${i}.date`)));
  (input.lockedPeriods ?? []).forEach((p, i) => {
    attempt(() => assertLocalDate(p.start, `lockedPeriods.${i}.start`));
    attempt(() => assertLocalDate(p.end, `lockedPeriods.${i}.end`));
    attempt(() => parseInstant(p.lockedAt, `lockedPeriods.${i}.lockedAt`));
  });
  if (issues.length > 0) {
    throw new AppError('VALIDATION_FAILED', {
      message: `Invalid projection input: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
      issues,
    });
  }
  validateEvents(input.events);
}

function groupBy<T, K>(items: readonly T[], key: (item: T) => K): Map<K, T[]> {
  const map = new Map<K, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = map.get(k);
    if (list) list.push(item);
    else map.set(k, [item]);
  }
  return map;
}

function sum(values: readonly number[]): number {
  let total = 0;
  for (const v of values) total += v;
  return total;
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareNullableIso(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return compareStrings(a, b);
}
