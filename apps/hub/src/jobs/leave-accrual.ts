/**
 * @module The leave accrual job: credits each leave type's accrual for every completed timesheet
 * period, and at each year boundary expires what exceeds the type's carry-over cap.
 *
 * Complete: each run catches up on every period owed since the employee's last accrual (or hire, or
 * the type's creation), however long the job did not run. Safe to run any number of times, also
 * concurrently: an accrual is unique per (employee, type, period start) in the database, and an
 * expiry is written once per (employee, type, year) under a per-org lock.
 */
import { withOrgScope, type Database } from '@clockface/db-hub';
import {
  findOrganization,
  insertLeaveLedgerLines,
  listBalancesAboveCap,
  insertAccrualLines,
  listAccrualStates,
  listLeaveTypes,
  listOrgIdsWithLeavePolicies,
  lockOrgLeaveAccrual,
  type NewLeaveLedgerLine,
} from '@clockface/db-hub/queries';
import { getLocalDate, type TimesheetPeriod } from '@clockface/timekeeping';
import { Temporal } from 'temporal-polyfill';
import type { ActorContext, HubDeps } from '../deps';
import { recordAudit } from '../services/audit.service';
import { orgListPeriods } from '../services/timesheets.service';

export type JobStatus = 'SUCCESS' | 'SKIPPED' | 'FAILED';

const SYSTEM_ACTOR: ActorContext = { actorUserId: null, actorType: 'system', requestId: null, ip: null };

export interface OrgAccrualResult {
  accrualLines: number;
  expiryLines: number;
}

const dayAfter = (date: string) => Temporal.PlainDate.from(date).add({ days: 1 }).toString();
const later = (a: string, b: string | null) => (b !== null && b > a ? b : a);

/**
 * The (employee, period) pairs owed for one type: every period that has ended before `today`,
 * starts on or after the latest of the type's first day, the employee's hire date and the day after
 * their newest accrual, and ends on or before their termination date. Only whole periods count: a
 * period the employee (or the type) joined part-way through, or left part-way through, earns
 * nothing (an admin adjusts by hand where a contract says otherwise).
 */
export function listOwedAccruals(
  listPeriods: (from: string, to: string) => TimesheetPeriod[],
  params: {
    typeStart: string;
    today: string;
    employees: readonly {
      employeeId: string;
      hireDate: string | null;
      terminationDate: string | null;
      accruedThrough: string | null;
    }[];
  },
): { employeeId: string; start: string; end: string }[] {
  const owed = params.employees.map((employee) => ({
    employeeId: employee.employeeId,
    from: later(
      later(params.typeStart, employee.hireDate),
      employee.accruedThrough === null ? null : dayAfter(employee.accruedThrough),
    ),
    until: employee.terminationDate,
  }));
  const earliest = owed.reduce<string | null>(
    (min, employee) => (min === null || employee.from < min ? employee.from : min),
    null,
  );
  if (earliest === null || earliest >= params.today) return [];
  // One period list for the org (periods are the same for everyone), filtered per employee.
  const periods: TimesheetPeriod[] = listPeriods(earliest, params.today).filter(
    (period) => period.start >= earliest && period.end < params.today,
  );
  const lines: { employeeId: string; start: string; end: string }[] = [];
  for (const employee of owed) {
    for (const period of periods) {
      if (period.start < employee.from) continue;
      if (employee.until !== null && period.end > employee.until) break;
      lines.push({ employeeId: employee.employeeId, start: period.start, end: period.end });
    }
  }
  return lines;
}

/** One org's accruals and carry-over expiries up to `now`, inside that org's scope. */
export async function accrueOrgLeave(tx: Database, orgId: string, now: Date): Promise<OrgAccrualResult> {
  // Serialises runs per org; the unique index below is what makes a concurrent run harmless anyway.
  await lockOrgLeaveAccrual(tx, { orgId });
  const org = await findOrganization(tx, { orgId });
  if (!org) return { accrualLines: 0, expiryLines: 0 };
  const today = getLocalDate(now.toISOString(), org.timeZone);
  // The timesheets' periods, each cut by the setting in force then (organizations.period_history).
  const periods = (from: string, to: string) => orgListPeriods(org, from, to);
  let accrualLines = 0;
  let expiryLines = 0;

  for (const type of await listLeaveTypes(tx, { orgId })) {
    const typeStart = getLocalDate(type.createdAt.toISOString(), org.timeZone);

    if (type.accrualMinutesPerPeriod > 0) {
      const employees = await listAccrualStates(tx, { orgId, leaveTypeId: type.id });
      accrualLines += await insertAccrualLines(tx, {
        orgId,
        leaveTypeId: type.id,
        minutes: type.accrualMinutesPerPeriod,
        lines: listOwedAccruals(periods, { typeStart, today, employees }),
      });
    }

    if (type.carryOverCapMinutes !== null) {
      const capMinutes = type.carryOverCapMinutes;
      // Every year end since the type existed, oldest first (each builds on the last). Written
      // after this run's accruals, so a catch-up that spans a year end is capped on the full year.
      for (let year = Number(typeStart.slice(0, 4)); `${year + 1}-01-01` <= today; year++) {
        const expiryDate = `${year + 1}-01-01`;
        const above = await listBalancesAboveCap(tx, {
          orgId,
          leaveTypeId: type.id,
          yearEnd: `${year}-12-31`,
          expiryDate,
          capMinutes,
        });
        const lines: NewLeaveLedgerLine[] = above.map(({ employeeId, balanceMinutes }) => ({
          orgId,
          employeeId,
          leaveTypeId: type.id,
          kind: 'carry_over_expiry',
          minutes: capMinutes - balanceMinutes,
          effectiveDate: expiryDate,
          periodStart: expiryDate,
          note: `${balanceMinutes} minutes at the end of ${year}; ${capMinutes} carried over, the rest expired`,
        }));
        expiryLines += (await insertLeaveLedgerLines(tx, lines)).length;
      }
    }
  }

  if (accrualLines + expiryLines > 0) {
    await recordAudit(tx, SYSTEM_ACTOR, {
      orgId,
      action: 'leave.accrued',
      entityType: 'organization',
      entityId: orgId,
      after: { accrualLines, expiryLines, asOf: today },
    });
  }
  return { accrualLines, expiryLines };
}

/** Every org with accruing or capped leave types; one org's failure does not stop the others. */
export async function handleAccrueLeave(deps: Pick<HubDeps, 'db' | 'clock' | 'log'>): Promise<JobStatus> {
  const orgIds = await listOrgIdsWithLeavePolicies(deps.db);
  if (orgIds.length === 0) return 'SKIPPED';
  const now = deps.clock.now();
  let failures = 0;
  for (const orgId of orgIds) {
    try {
      const result = await withOrgScope(deps.db, orgId, (tx) => accrueOrgLeave(tx, orgId, now));
      if (result.accrualLines + result.expiryLines > 0) deps.log.info({ orgId, ...result }, 'leave accrued');
    } catch (error) {
      failures += 1;
      deps.log.error({ err: error, orgId }, 'leave accrual failed for this org; the next run retries');
    }
  }
  return failures > 0 ? 'FAILED' : 'SUCCESS';
}
