/**
 * @module Pairs canonical punches into entries (clock_in → clock_out) with breaks inside them.
 *
 * A single pass of a three-state machine (off → working ⇄ on break → off) over punches sorted by
 * instant then id. Nothing is guessed: an entry without a clock-out counts zero minutes and is
 * flagged, so a manager fixes it with an adjustment event rather than the system inventing an end.
 */
import { MS_PER_MINUTE } from './time';
import type { EntryStatus } from './types';
import type { ExceptionDraft, Punch } from './normalize';

export interface RawBreak {
  id: string;
  startMs: number;
  endMs: number;
  eventIds: string[];
}

export interface RawEntry {
  id: string;
  kind: 'punch' | 'manual';
  status: EntryStatus;
  startMs: number;
  /** Null unless complete. */
  endMs: number | null;
  /** Only complete entries carry breaks. */
  breaks: RawBreak[];
  /** Manual entries: break minutes without times. */
  unplacedBreakMinutes: number;
  projectId: string | null;
  taskId: string | null;
  eventIds: string[];
}

interface OpenEntry {
  clockIn: Punch;
  breaks: RawBreak[];
  openBreak: Punch | null;
  eventIds: string[];
}

/**
 * @param asOf The projection's now: an entry still open at the end is `open` while it is younger than
 *   `maxOpenEntryMinutes`, and a missing clock-out after that.
 */
export function pairPunches(
  punches: readonly Punch[],
  options: { asOfMs: number; maxOpenEntryMinutes: number },
): { entries: RawEntry[]; exceptions: ExceptionDraft[] } {
  const entries: RawEntry[] = [];
  const exceptions: ExceptionDraft[] = [];
  let open: OpenEntry | null = null;

  const closeIncomplete = (entry: OpenEntry, status: EntryStatus) => {
    entries.push({
      id: entry.clockIn.id,
      kind: 'punch',
      status,
      startMs: entry.clockIn.ms,
      endMs: null,
      breaks: [],
      unplacedBreakMinutes: 0,
      projectId: entry.clockIn.projectId,
      taskId: entry.clockIn.taskId,
      eventIds: entry.eventIds,
    });
    if (status === 'missing_clock_out') {
      exceptions.push({
        code: 'missing_clock_out',
        severity: 'error',
        atMs: entry.clockIn.ms,
        entryId: entry.clockIn.id,
        eventIds: [...entry.eventIds],
        message: 'Clock-in without a clock-out; the entry counts no time until it is corrected.',
      });
    }
  };
  const orphan = (punch: Punch, code: 'missing_clock_in' | 'orphan_break_punch', message: string) =>
    exceptions.push({
      code,
      severity: code === 'missing_clock_in' ? 'error' : 'warning',
      atMs: punch.ms,
      eventIds: [...punch.eventIds],
      message,
    });

  for (const punch of punches) {
    switch (punch.type) {
      case 'clock_in':
        if (open) closeIncomplete(open, 'missing_clock_out');
        open = { clockIn: punch, breaks: [], openBreak: null, eventIds: [...punch.eventIds] };
        break;
      case 'clock_out': {
        if (!open) {
          orphan(punch, 'missing_clock_in', 'Clock-out without a preceding clock-in; ignored.');
          break;
        }
        open.eventIds.push(...punch.eventIds);
        if (open.openBreak) {
          // Clocking out ends the break: the person left, the break time is still a break.
          open.breaks.push({
            id: open.openBreak.id,
            startMs: open.openBreak.ms,
            endMs: punch.ms,
            eventIds: [...open.openBreak.eventIds],
          });
          exceptions.push({
            code: 'missing_break_end',
            severity: 'warning',
            atMs: open.openBreak.ms,
            entryId: open.clockIn.id,
            eventIds: [...open.openBreak.eventIds, ...punch.eventIds],
            message: 'Break without an end; it was closed at the clock-out.',
          });
        }
        entries.push({
          id: open.clockIn.id,
          kind: 'punch',
          status: 'complete',
          startMs: open.clockIn.ms,
          endMs: punch.ms,
          breaks: open.breaks,
          unplacedBreakMinutes: 0,
          projectId: open.clockIn.projectId,
          taskId: open.clockIn.taskId,
          eventIds: open.eventIds,
        });
        open = null;
        break;
      }
      case 'break_start':
        if (!open || open.openBreak) {
          orphan(
            punch,
            'orphan_break_punch',
            'Break start while not clocked in or already on break; ignored.',
          );
          break;
        }
        open.openBreak = punch;
        open.eventIds.push(...punch.eventIds);
        break;
      case 'break_end':
        if (!open || !open.openBreak) {
          orphan(punch, 'orphan_break_punch', 'Break end without a break start; ignored.');
          break;
        }
        open.breaks.push({
          id: open.openBreak.id,
          startMs: open.openBreak.ms,
          endMs: punch.ms,
          eventIds: [...open.openBreak.eventIds, ...punch.eventIds],
        });
        open.eventIds.push(...punch.eventIds);
        open.openBreak = null;
        break;
    }
  }
  if (open) {
    const ageMinutes = (options.asOfMs - open.clockIn.ms) / MS_PER_MINUTE;
    closeIncomplete(open, ageMinutes > options.maxOpenEntryMinutes ? 'missing_clock_out' : 'open');
  }
  return { entries, exceptions };
}
