/**
 * @module The leave accrual job: credits each leave type's accrual for every completed timesheet
 * period, and at each year boundary expires what exceeds the type's carry-over cap.
 *
 * Safe to run any number of times: an accrual is unique per (employee, type, period) in the
 * database, and an expiry is written once per (employee, type, year) under a per-org lock.
 */
import { withOrgScope, type Database } from '@clockface/db-hub';
import {
  findOrganization,
  insertLeaveLedgerLines,
  listBalancesAboveCap,
  insertAccrualLines,
  listLeaveTypes,
  listOrgIdsWithLeavePolicies,
  lockOrgLeaveAccrual,
  type NewLeaveLedgerLine,
  type OrganizationRow,
} from '@clockface/db-hub/queries';
import { getLocalDate, listPeriods, type PeriodConfig, type Weekday } from '@clockface/timekeeping';
import { Temporal } from 'temporal-polyfill';
import type { ActorContext, HubDeps } from '../deps';
import { recordAudit } from '../services/audit.service';

export type JobStatus = 'SUCCESS' | 'SKIPPED' | 'FAILED';

/**
 * How far back one run looks for missed periods and year ends: two months covers every period
 * length with room for a long outage. Each run re-probes these periods (an index probe per employee
 * and period: about 1.4 s for 2,000 employees × 26 biweekly periods on a loaded 2-core machine, so
 * the window is kept short). Periods older than this are not back-filled; an admin adjusts instead.
 */
const LOOKBACK_DAYS = 62;

/**
 * Biweekly orgs with no anchor: the same default the timesheet periods use (the first week-start
 * day on or after Monday 2024-01-01), so accrual periods and timesheet periods coincide.
 */
const DEFAULT_BIWEEKLY_ANCHOR_MONDAY = '2024-01-01';

function periodConfigOf(org: OrganizationRow): PeriodConfig {
  const weekStart = org.weekStart as Weekday;
  const anchorDate =
    org.periodAnchorDate ??
    Temporal.PlainDate.from(DEFAULT_BIWEEKLY_ANCHOR_MONDAY)
      .add({ days: weekStart - 1 })
      .toString();
  return { frequency: org.periodFrequency, weekStart, anchorDate };
}

const SYSTEM_ACTOR: ActorContext = { actorUserId: null, actorType: 'system', requestId: null, ip: null };

export interface OrgAccrualResult {
  accrualLines: number;
  expiryLines: number;
}

/** One org's accruals and carry-over expiries up to `now`, inside that org's scope. */
export async function accrueOrgLeave(tx: Database, orgId: string, now: Date): Promise<OrgAccrualResult> {
  await lockOrgLeaveAccrual(tx, { orgId });
  const org = await findOrganization(tx, { orgId });
  if (!org) return { accrualLines: 0, expiryLines: 0 };
  const today = getLocalDate(now.toISOString(), org.timeZone);
  const lookbackStart = Temporal.PlainDate.from(today).subtract({ days: LOOKBACK_DAYS }).toString();
  const config = periodConfigOf(org);
  let accrualLines = 0;
  let expiryLines = 0;

  for (const type of await listLeaveTypes(tx, { orgId })) {
    const typeStart = getLocalDate(type.createdAt.toISOString(), org.timeZone);
    const from = typeStart > lookbackStart ? typeStart : lookbackStart;

    if (type.accrualMinutesPerPeriod > 0) {
      // Credited once a period has ended; the first is the first period that starts on or after
      // the day the type was made (no partial period for a type created mid-period).
      const periods = listPeriods(config, from, today).filter(
        (period) => period.start >= typeStart && period.end < today,
      );
      accrualLines += await insertAccrualLines(tx, {
        orgId,
        leaveTypeId: type.id,
        minutes: type.accrualMinutesPerPeriod,
        periods,
      });
    }

    if (type.carryOverCapMinutes !== null) {
      const capMinutes = type.carryOverCapMinutes;
      // Year ends after the type existed and before today, oldest first (each builds on the last).
      for (let year = Number(from.slice(0, 4)); `${year + 1}-01-01` <= today; year++) {
        if (`${year}-12-31` < typeStart) continue;
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
