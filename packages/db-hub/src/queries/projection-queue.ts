import { sql } from 'drizzle-orm';
import type { Database } from '../client';
import { rowsOf } from './rows';

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

/**
 * Moves punches into the projection queue: every punch inserted by a transaction that finished since
 * the watermark becomes a request for its employee's local dates (the org's zone), widened by a day
 * each side (a site in another zone, an overnight entry), merged like `enqueueProjection`; then the
 * watermark moves up to the oldest transaction still running. Run by the projection drain before it
 * claims work (owner role: it spans orgs), in a transaction of its own.
 *
 * Why not at insert time (migration 0012): a queue upsert in the insert's transaction held one row
 * lock per employee until commit, so concurrent kiosk batches for the same people serialised. Here
 * no insert path needs code for it: `attendance_events.ingest_xid` is filled by its default.
 *
 * Exact under concurrency: a transaction below the snapshot's xmin has finished, so all its punches
 * are visible to this statement; one still running is at or above it and is folded by a later run.
 * Two runs at once serialise on the watermark row, and the watermark never moves back.
 */
export async function foldPunchesIntoProjectionQueue(db: Database): Promise<number> {
  const result = await db.execute(sql`
    with mark as (
      select folded_below, pg_snapshot_xmin(pg_current_snapshot()) as upto
        from projection_fold_watermark
         for update
    ), dirty as (
      select e.org_id, e.employee_id,
             (min(e.occurred_at) at time zone o.time_zone)::date - 1 as from_date,
             (max(e.occurred_at) at time zone o.time_zone)::date + 1 as to_date
        from mark
        join attendance_events e on e.ingest_xid >= mark.folded_below and e.ingest_xid < mark.upto
        join organizations o on o.id = e.org_id
       group by e.org_id, e.employee_id, o.time_zone
    ), queued as (
      insert into projection_queue as q (org_id, employee_id, from_date, to_date, requested_at)
      select org_id, employee_id, from_date, to_date, now() from dirty
       order by org_id, employee_id
      on conflict (org_id, employee_id) do update
         set from_date = least(q.from_date, excluded.from_date),
             to_date = greatest(q.to_date, excluded.to_date),
             requested_at = excluded.requested_at
      returning 1
    ), moved as (
      update projection_fold_watermark w
         set folded_below = greatest(w.folded_below, mark.upto)
        from mark
      returning 1
    )
    select (select count(*) from queued)::int as queued, (select count(*) from moved)::int as moved
  `);
  return rowsOf<{ queued: number }>(result)[0]?.queued ?? 0;
}
