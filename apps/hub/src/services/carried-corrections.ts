/**
 * @module What corrections carried out of a locked period add to the period they were carried to.
 *
 * A correction dated in a locked period, sent with `carryToNextOpenPeriod`, keeps its true instants;
 * the projection holds it back from the locked days (their totals stay as locked). Its effect is
 * measured here by projecting the locked period from the events recorded up to its lock, once
 * without and once with the carried corrections (one at a time, in the order they were recorded):
 * the difference, summed over the locked period's days, is what it adds to the period it was carried
 * to. A correction whose period has been unlocked (or re-locked after it) applies in place and adds
 * nothing here. Timesheet totals and the payroll export both use these figures.
 */
import type { TCarriedTotals } from '@clockface/contracts/api';
import type { Database } from '@clockface/db-hub';
import {
  findEmployee,
  listCarriedCorrections,
  listCarriedTargets,
  listEmployeeTimesheets,
  type CorrectionLogRow,
  type OrganizationRow,
  type TimesheetRow,
} from '@clockface/db-hub/queries';
import {
  getLocalDate,
  projectEmployeeDays,
  type AttendanceEvent,
  type Projection,
} from '@clockface/timekeeping';
import { toAdjustment } from './adjustments.service';
import { loadEmployeeProjectionInput } from './projection.service';
import { employeeTimeZone } from './timesheets.service';

export const ZERO_CARRIED: TCarriedTotals = {
  workedMinutes: 0,
  regularMinutes: 0,
  overtimeMinutes: 0,
  overtime: [],
  paidBreakMinutes: 0,
  unpaidBreakMinutes: 0,
  leaveMinutes: 0,
  paidLeaveMinutes: 0,
};

const SCALAR_KEYS = [
  'workedMinutes',
  'regularMinutes',
  'overtimeMinutes',
  'paidBreakMinutes',
  'unpaidBreakMinutes',
  'leaveMinutes',
  'paidLeaveMinutes',
] as const;

/** `a + sign × b`, overtime tiers merged by multiplier (tiers that end at 0 are dropped). */
export function combineCarried<T extends TCarriedTotals>(a: T, b: TCarriedTotals, sign: 1 | -1 = 1): T {
  const out = { ...a };
  for (const key of SCALAR_KEYS) out[key] = a[key] + sign * b[key];
  const tiers = new Map(a.overtime.map((tier) => [tier.multiplier, tier.minutes]));
  for (const tier of b.overtime)
    tiers.set(tier.multiplier, (tiers.get(tier.multiplier) ?? 0) + sign * tier.minutes);
  out.overtime = [...tiers]
    .filter(([, minutes]) => minutes !== 0)
    .sort(([x], [y]) => x - y)
    .map(([multiplier, minutes]) => ({ multiplier, minutes }));
  return out;
}

function sumPeriod(projection: Projection, start: string, end: string): TCarriedTotals {
  let totals = ZERO_CARRIED;
  for (const day of projection.days) {
    if (day.date < start || day.date > end) continue;
    totals = combineCarried(totals, {
      workedMinutes: day.workedMinutes,
      regularMinutes: day.regularMinutes,
      overtimeMinutes: day.overtimeMinutes,
      overtime: day.overtime,
      paidBreakMinutes: day.paidBreakMinutes,
      unpaidBreakMinutes: day.unpaidBreakMinutes,
      leaveMinutes: day.leaveMinutes,
      paidLeaveMinutes: day.paidLeaveMinutes,
    });
  }
  return totals;
}

const recordedMs = (event: AttendanceEvent) => {
  const at = 'recordedAt' in event ? event.recordedAt : event.receivedAt;
  return at ? Date.parse(at) : -Infinity;
};

export interface CarriedItem {
  row: CorrectionLogRow;
  /** The locked period it corrects; null when that period is no longer locked (applied in place). */
  from: TimesheetRow | null;
  delta: TCarriedTotals | null;
}

export interface CarriedResult {
  items: CarriedItem[];
  totals: TCarriedTotals;
}

/**
 * The corrections carried to a date in `range` (a timesheet period, or an export row's part of one)
 * and what each adds there.
 */
export async function computeCarried(
  tx: Database,
  org: OrganizationRow,
  employeeId: string,
  range: { start: string; end: string },
  now: Date,
): Promise<CarriedResult> {
  const targets = await listCarriedTargets(tx, {
    orgId: org.id,
    employeeIds: [employeeId],
    from: range.start,
    to: range.end,
  });
  if (targets.length === 0) return { items: [], totals: ZERO_CARRIED };
  const rows: CorrectionLogRow[] = [];
  for (const target of targets)
    rows.push(
      ...(await listCarriedCorrections(tx, { orgId: org.id, employeeId, periodStart: target.carriedTo })),
    );
  rows.sort((a, b) => a.recordedAt.getTime() - b.recordedAt.getTime() || (a.id < b.id ? -1 : 1));
  const employee = await findEmployee(tx, { orgId: org.id, employeeId, includeDeleted: true });
  if (!employee) return { items: [], totals: ZERO_CARRIED };
  const zone = await employeeTimeZone(tx, org, employee);
  const locked = (
    await listEmployeeTimesheets(tx, { orgId: org.id, employeeId, fromDate: '1900-01-01', toDate: range.end })
  ).filter((sheet) => sheet.status === 'locked' && sheet.lockedAt);

  const items: CarriedItem[] = rows.map((row) => {
    const date = getLocalDate(row.effectiveAt.toISOString(), zone);
    const from = locked.find(
      (sheet) =>
        sheet.periodStart <= date &&
        date <= sheet.periodEnd &&
        sheet.lockedAt!.getTime() < row.recordedAt.getTime(),
    );
    return { row, from: from ?? null, delta: null };
  });

  let totals = ZERO_CARRIED;
  const sources = [...new Set(items.flatMap((item) => (item.from ? [item.from] : [])))];
  for (const sheet of sources) {
    const input = await loadEmployeeProjectionInput(tx, {
      orgId: org.id,
      employeeId,
      fromDate: sheet.periodStart,
      toDate: sheet.periodEnd,
      asOf: now,
    });
    const group = items.filter((item) => item.from === sheet);
    if (!input) continue;
    const lockedMs = sheet.lockedAt!.getTime();
    // The period as it was locked (events recorded up to the lock, late punches left out), with the
    // lock itself lifted so the carried corrections can apply; other locked periods stay locked.
    const events = input.events.filter((event) => recordedMs(event) <= lockedMs);
    const lockedPeriods = (input.lockedPeriods ?? []).filter((period) => period.start !== sheet.periodStart);
    const project = () =>
      sumPeriod(
        projectEmployeeDays({ ...input, events: [...events], lockedPeriods }),
        sheet.periodStart,
        sheet.periodEnd,
      );
    let previous = project();
    for (const item of group) {
      const event = input.events.find((candidate) => candidate.id === item.row.id);
      if (event) events.push(event);
      const next = project();
      item.delta = combineCarried(next, previous, -1);
      totals = combineCarried(totals, item.delta);
      previous = next;
    }
  }
  return { items, totals };
}

export const toCarriedAdjustment = (item: CarriedItem) => ({
  ...toAdjustment(item.row),
  carriedFrom: item.from ? { periodStart: item.from.periodStart, periodEnd: item.from.periodEnd } : null,
  carriedDelta: item.delta,
});

/**
 * Carried totals for many employees over one range each (a timesheet list page, an export page):
 * one query finds who has any, only those are projected.
 */
export async function computeCarriedForEmployees(
  tx: Database,
  org: OrganizationRow,
  employeeIds: string[],
  range: { start: string; end: string },
  now: Date,
): Promise<Map<string, CarriedResult>> {
  const out = new Map<string, CarriedResult>();
  if (employeeIds.length === 0) return out;
  const targets = await listCarriedTargets(tx, {
    orgId: org.id,
    employeeIds,
    from: range.start,
    to: range.end,
  });
  for (const employeeId of new Set(targets.map((target) => target.employeeId)))
    out.set(employeeId, await computeCarried(tx, org, employeeId, range, now));
  return out;
}

/**
 * The locked periods holding corrections carried out of `source` while it was locked: their locked
 * totals count those corrections, so unlocking `source` (where they would then apply in place) would
 * count them twice. Earliest first; empty when the source can be unlocked.
 */
export async function findLockedCarryDestinations(
  tx: Database,
  org: OrganizationRow,
  employeeId: string,
  source: TimesheetRow,
): Promise<TimesheetRow[]> {
  if (!source.lockedAt) return [];
  const targets = await listCarriedTargets(tx, {
    orgId: org.id,
    employeeIds: [employeeId],
    from: source.periodEnd,
    to: '9999-12-31',
  });
  if (targets.length === 0) return [];
  const employee = await findEmployee(tx, { orgId: org.id, employeeId, includeDeleted: true });
  if (!employee) return [];
  const zone = await employeeTimeZone(tx, org, employee);
  const sheets = await listEmployeeTimesheets(tx, { orgId: org.id, employeeId, fromDate: source.periodEnd });
  const out = new Map<string, TimesheetRow>();
  for (const target of targets) {
    const destination = sheets.find(
      (sheet) =>
        sheet.status === 'locked' &&
        sheet.id !== source.id &&
        sheet.periodStart <= target.carriedTo &&
        target.carriedTo <= sheet.periodEnd,
    );
    if (!destination) continue;
    const rows = await listCarriedCorrections(tx, {
      orgId: org.id,
      employeeId,
      periodStart: target.carriedTo,
    });
    const fromSource = rows.some((row) => {
      const date = getLocalDate(row.effectiveAt.toISOString(), zone);
      return (
        source.periodStart <= date &&
        date <= source.periodEnd &&
        row.recordedAt.getTime() > source.lockedAt!.getTime()
      );
    });
    if (fromSource) out.set(destination.id, destination);
  }
  return [...out.values()].sort((a, b) => (a.periodStart < b.periodStart ? -1 : 1));
}
