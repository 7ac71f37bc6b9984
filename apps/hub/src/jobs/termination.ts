/**
 * @module The termination job: completes scheduled terminations (a termination date entered in the
 * future, see `terminateOrgEmployee`) once the date has passed in the org's time zone, so the
 * employee works and clocks through their last day and is terminated from the next one.
 *
 * Safe to run any number of times, also concurrently: each due employee is locked and completed in
 * its org's transaction, and once completed they are no longer due (status terminated).
 */
import { withOrgScope, type Database } from '@clockface/db-hub';
import {
  findOrganization,
  listOrgIdsWithDueTerminations,
  lockDueTerminations,
} from '@clockface/db-hub/queries';
import { getLocalDate } from '@clockface/timekeeping';
import type { HubDeps } from '../deps';
import { completeScheduledTermination } from '../services/employees.service';
import type { JobStatus } from './leave-accrual';

/** One org's due terminations up to `now`, inside that org's scope; returns the employee ids completed. */
export async function completeOrgTerminations(
  deps: HubDeps,
  tx: Database,
  orgId: string,
  now: Date,
): Promise<string[]> {
  const org = await findOrganization(tx, { orgId });
  if (!org) return [];
  const today = getLocalDate(now.toISOString(), org.timeZone);
  const completed: string[] = [];
  for (const employee of await lockDueTerminations(tx, { orgId, today })) {
    await completeScheduledTermination(deps, tx, employee);
    completed.push(employee.id);
  }
  return completed;
}

/** Every org with a due termination; one org's failure does not stop the others. */
export async function handleCompleteTerminations(deps: HubDeps): Promise<JobStatus> {
  const now = deps.clock.now();
  const orgIds = await listOrgIdsWithDueTerminations(deps.db, { now });
  if (orgIds.length === 0) return 'SKIPPED';
  let failures = 0;
  for (const orgId of orgIds) {
    try {
      const employeeIds = await withOrgScope(deps.db, orgId, (tx) =>
        completeOrgTerminations(deps, tx, orgId, now),
      );
      if (employeeIds.length > 0) deps.log.info({ orgId, employeeIds }, 'scheduled terminations completed');
    } catch (error) {
      failures += 1;
      deps.log.error(
        { err: error, orgId },
        'completing terminations failed for this org; the next run retries',
      );
    }
  }
  return failures > 0 ? 'FAILED' : 'SUCCESS';
}
