import { sql } from 'drizzle-orm';
import type { Database } from '../client';

/**
 * Asks the projection job to recompute one employee's local dates `fromDate..toDate` (inclusive).
 * Merges with a pending request for the same employee (the earliest from, the latest to), so a burst
 * of late punches or edits costs one recomputation. Call it in the same transaction as the change.
 */
export async function enqueueProjection(
  db: Database,
  params: { orgId: string; employeeId: string; fromDate: string; toDate: string },
): Promise<void> {
  await db.execute(sql`
    insert into projection_queue (org_id, employee_id, from_date, to_date)
    values (${params.orgId}, ${params.employeeId}, ${params.fromDate}, ${params.toDate})
    on conflict (org_id, employee_id) do update
       set from_date = least(projection_queue.from_date, excluded.from_date),
           to_date = greatest(projection_queue.to_date, excluded.to_date),
           requested_at = now()
  `);
}
