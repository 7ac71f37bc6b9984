/**
 * @module Turns the raw event log into the canonical punch list and manual entries the pairing reads:
 * validation, de-duplication by id, locked-period filtering, adjustments (edits and deletions) and
 * double-tap removal. Every step sorts first, so the outcome never depends on arrival order.
 */
import { AppError, type AppErrorIssue } from '@clockface/core';
import { findLockedPeriod } from './periods';
import { MS_PER_MINUTE, localDateOf, parseInstant } from './time';
import type {
  AttendanceEvent,
  EditEvent,
  ExceptionCode,
  ExceptionSeverity,
  LocalDate,
  LockedPeriod,
  PunchType,
} from './types';

export interface Punch {
  id: string;
  type: PunchType;
  ms: number;
  projectId: string | null;
  taskId: string | null;
  /** The punch id followed by the ids of adjustments applied to it. */
  eventIds: string[];
}

export interface ManualEntry {
  id: string;
  startMs: number;
  endMs: number;
  breakMinutes: number;
  projectId: string | null;
  taskId: string | null;
  eventIds: string[];
}

/** An exception before its work date is known: either pinned to a date or to an instant. */
export interface ExceptionDraft {
  code: ExceptionCode;
  severity: ExceptionSeverity;
  workDate?: LocalDate;
  atMs?: number;
  eventIds: string[];
  entryId?: string | null;
  shiftId?: string | null;
  minutes?: number | null;
  /** Distinguishes exceptions of one code on one day; defaults to the first event id. */
  key?: string;
  message: string;
}

export interface NormalizedEvents {
  punches: Punch[];
  manualEntries: ManualEntry[];
  exceptions: ExceptionDraft[];
}

const PUNCH_TYPES = new Set<string>(['clock_in', 'clock_out', 'break_start', 'break_end']);

/** Orders by instant, then by id: the canonical order of the whole package. */
export function byInstantThenId(a: { ms: number; id: string }, b: { ms: number; id: string }): number {
  return a.ms - b.ms || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** Validates every event up front and throws one VALIDATION_FAILED listing all problems. */
export function validateEvents(events: readonly AttendanceEvent[]): void {
  const issues: AppErrorIssue[] = [];
  const check = (ok: boolean, path: string, message: string) => {
    if (!ok) issues.push({ path, message });
  };
  const instant = (value: unknown, path: string) => {
    if (typeof value !== 'string') return issues.push({ path, message: 'Expected an ISO instant' });
    try {
      parseInstant(value, path);
    } catch {
      issues.push({ path, message: `Expected an ISO instant, got ${JSON.stringify(value)}` });
    }
  };
  events.forEach((e, i) => {
    const at = `events.${i}`;
    check(typeof e.id === 'string' && e.id.length > 0, `${at}.id`, 'Expected a non-empty id');
    if (PUNCH_TYPES.has(e.type)) {
      instant((e as { occurredAt?: unknown }).occurredAt, `${at}.occurredAt`);
      return;
    }
    if (e.type !== 'manual_entry' && e.type !== 'edit' && e.type !== 'delete') {
      issues.push({ path: `${at}.type`, message: `Unknown event type ${JSON.stringify(e.type)}` });
      return;
    }
    check(typeof e.reason === 'string' && e.reason.trim().length > 0, `${at}.reason`, 'A reason is required');
    check(typeof e.actorId === 'string' && e.actorId.length > 0, `${at}.actorId`, 'An actor is required');
    instant(e.recordedAt, `${at}.recordedAt`);
    if (e.type === 'manual_entry') {
      instant(e.start, `${at}.start`);
      instant(e.end, `${at}.end`);
      if (issues.length === 0) {
        check(
          parseInstant(e.end, 'end') > parseInstant(e.start, 'start'),
          `${at}.end`,
          'End must be after start',
        );
      }
      check(isNonNegativeInt(e.breakMinutes ?? 0), `${at}.breakMinutes`, 'Expected whole minutes ≥ 0');
    } else {
      check(
        typeof e.targetId === 'string' && e.targetId.length > 0,
        `${at}.targetId`,
        'A target is required',
      );
      if (e.type === 'edit') {
        if (e.occurredAt !== undefined) instant(e.occurredAt, `${at}.occurredAt`);
        if (e.start !== undefined) instant(e.start, `${at}.start`);
        if (e.end !== undefined) instant(e.end, `${at}.end`);
        if (e.punchType !== undefined)
          check(PUNCH_TYPES.has(e.punchType), `${at}.punchType`, 'Unknown punch type');
        if (e.breakMinutes !== undefined) {
          check(isNonNegativeInt(e.breakMinutes), `${at}.breakMinutes`, 'Expected whole minutes ≥ 0');
        }
      }
    }
  });
  if (issues.length > 0) {
    throw new AppError('VALIDATION_FAILED', {
      message: `Invalid attendance events: ${issues.length} problem(s), first at ${issues[0]?.path}: ${issues[0]?.message}`,
      issues,
    });
  }
}

function isNonNegativeInt(n: unknown): boolean {
  return typeof n === 'number' && Number.isInteger(n) && n >= 0;
}

/** Same id seen twice (a re-sent batch): keep one, chosen by content so arrival order cannot matter. */
function dedupeById(events: readonly AttendanceEvent[]): AttendanceEvent[] {
  const byId = new Map<string, { event: AttendanceEvent; key: string | null }>();
  for (const event of events) {
    const seen = byId.get(event.id);
    if (!seen) {
      byId.set(event.id, { event, key: null });
      continue;
    }
    const seenKey = seen.key ?? JSON.stringify(seen.event);
    const key = JSON.stringify(event);
    byId.set(event.id, key < seenKey ? { event, key } : { event: seen.event, key: seenKey });
  }
  return [...byId.values()].map((v) => v.event);
}

/**
 * Applies the event log's adjustments and cleans the punches.
 *
 * Order of steps matters: locked-period filtering runs before adjustments (a late edit must not
 * reach into a locked period), and double-tap removal runs after them (an edit can create or undo a
 * duplicate).
 */
export function normalizeEvents(
  rawEvents: readonly AttendanceEvent[],
  options: {
    zone: string;
    lockedPeriods: readonly LockedPeriod[];
    duplicateWindowMinutes: number;
    /** Events accounted for elsewhere (a locked period's frozen entries); skipped without a flag. */
    skippedIds?: ReadonlySet<string>;
  },
): NormalizedEvents {
  const { zone, lockedPeriods } = options;
  const exceptions: ExceptionDraft[] = [];
  const events = dedupeById(rawEvents);

  const isLate = (ms: number, recordedMs: number | null): boolean => {
    if (recordedMs === null || lockedPeriods.length === 0) return false;
    const period = findLockedPeriod(lockedPeriods, localDateOf(ms, zone));
    return period !== undefined && recordedMs > parseInstant(period.lockedAt, 'lockedAt');
  };
  const flagLocked = (id: string, ms: number) =>
    exceptions.push({
      code: 'late_event_in_locked_period',
      severity: 'warning',
      atMs: ms,
      eventIds: [id],
      message:
        'Recorded after its timesheet period was locked; not applied. Adjust it in the next open period.',
    });

  const punches = new Map<string, Punch>();
  const manual = new Map<string, ManualEntry>();
  const adjustments: {
    ms: number;
    id: string;
    event: EditEvent | Extract<AttendanceEvent, { type: 'delete' }>;
  }[] = [];

  for (const e of events) {
    if (options.skippedIds?.has(e.id)) continue;
    if (e.type === 'manual_entry') {
      const startMs = parseInstant(e.start, 'start');
      if (isLate(startMs, parseInstant(e.recordedAt, 'recordedAt'))) {
        flagLocked(e.id, startMs);
        continue;
      }
      manual.set(e.id, {
        id: e.id,
        startMs,
        endMs: parseInstant(e.end, 'end'),
        breakMinutes: e.breakMinutes ?? 0,
        projectId: e.projectId ?? null,
        taskId: e.taskId ?? null,
        eventIds: [e.id],
      });
    } else if (e.type === 'edit' || e.type === 'delete') {
      adjustments.push({ ms: parseInstant(e.recordedAt, 'recordedAt'), id: e.id, event: e });
    } else {
      const ms = parseInstant(e.occurredAt, 'occurredAt');
      if (isLate(ms, e.receivedAt ? parseInstant(e.receivedAt, 'receivedAt') : null)) {
        flagLocked(e.id, ms);
        continue;
      }
      punches.set(e.id, {
        id: e.id,
        type: e.type,
        ms,
        projectId: e.projectId ?? null,
        taskId: e.taskId ?? null,
        eventIds: [e.id],
      });
    }
  }

  // Adjustments apply in the order they were recorded; a later edit of the same target wins.
  adjustments.sort(byInstantThenId);
  for (const { ms: recordedMs, event } of adjustments) {
    const punch = punches.get(event.targetId);
    const entry = manual.get(event.targetId);
    if (!punch && !entry) {
      exceptions.push({
        code: 'adjustment_target_missing',
        severity: 'warning',
        atMs: recordedMs,
        eventIds: [event.id, event.targetId],
        message: `Adjustment targets ${event.targetId}, which does not exist or was already deleted.`,
      });
      continue;
    }
    const beforeMs = punch ? punch.ms : entry!.startMs;
    const afterMs =
      event.type === 'edit'
        ? punch
          ? event.occurredAt
            ? parseInstant(event.occurredAt, 'occurredAt')
            : punch.ms
          : event.start
            ? parseInstant(event.start, 'start')
            : entry!.startMs
        : beforeMs;
    if (isLate(beforeMs, recordedMs) || isLate(afterMs, recordedMs)) {
      flagLocked(event.id, beforeMs);
      continue;
    }
    if (event.type === 'delete') {
      punches.delete(event.targetId);
      manual.delete(event.targetId);
      continue;
    }
    if (punch) {
      punch.ms = afterMs;
      if (event.punchType) punch.type = event.punchType;
      punch.eventIds.push(event.id);
    } else if (entry) {
      const startMs = afterMs;
      const endMs = event.end ? parseInstant(event.end, 'end') : entry.endMs;
      if (endMs <= startMs) {
        throw new AppError('VALIDATION_FAILED', {
          message: `Edit ${event.id} would make manual entry ${entry.id} end at or before its start`,
          issues: [{ path: `events.${event.id}.end`, message: 'End must be after start' }],
        });
      }
      entry.startMs = startMs;
      entry.endMs = endMs;
      if (event.breakMinutes !== undefined) entry.breakMinutes = event.breakMinutes;
      entry.eventIds.push(event.id);
    }
  }

  const sorted = [...punches.values()].sort(byInstantThenId);
  const windowMs = options.duplicateWindowMinutes * MS_PER_MINUTE;
  const kept: Punch[] = [];
  for (const punch of sorted) {
    const previous = kept.at(-1);
    if (previous && previous.type === punch.type && punch.ms - previous.ms <= windowMs) {
      exceptions.push({
        code: 'duplicate_punch',
        severity: 'info',
        atMs: punch.ms,
        eventIds: [previous.id, ...punch.eventIds],
        message: `Second ${punch.type} within ${options.duplicateWindowMinutes} min of the first; ignored.`,
      });
      continue;
    }
    kept.push(punch);
  }

  return {
    punches: kept,
    manualEntries: [...manual.values()].sort((a, b) =>
      byInstantThenId({ ms: a.startMs, id: a.id }, { ms: b.startMs, id: b.id }),
    ),
    exceptions,
  };
}
