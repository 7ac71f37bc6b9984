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
 * Moves punches into the projection queue: every punch whose transaction committed since the last
 * fold becomes a request for its employee's local dates (the org's zone), widened by a day each side
 * (a site in another zone, an overnight entry), merged like `enqueueProjection`. Run by the
 * projection drain before it claims work (owner role: it spans orgs).
 *
 * Why not at insert time (migration 0012): a queue upsert in the insert's transaction held one row
 * lock per employee until commit, so concurrent kiosk batches for the same people serialised. Here
 * no insert path needs code for it: `attendance_events.ingest_xid` is filled by its default.
 *
 * Exact under concurrency (migration 0015): the watermark is the snapshot of the previous fold. This
 * fold takes every punch visible to its own statement (its transaction committed) whose transaction
 * was not visible in that snapshot, then remembers its own snapshot. A transaction still running is
 * invisible to both and is folded by the first run that sees it committed, so a long transaction
 * elsewhere on the server delays nothing but its own punches. Only transactions at or above the
 * remembered snapshot's xmin can be new, which bounds the index scan. Runs serialise on the
 * watermark row, locked before the fold's statement takes its snapshot, so a run never folds against
 * a watermark older than what the previous run saw (no punch folded twice, none skipped).
 */
export async function foldPunchesIntoProjectionQueue(db: Database): Promise<number> {
  return db.transaction(async (transaction) => {
    const tx = transaction as unknown as Database;
    await tx.execute(sql`select 1 from projection_fold_watermark for update`);
    // A new statement: in READ COMMITTED its snapshot is taken now, after the lock was granted.
    const result = await tx.execute(sql`
      with mark as (
        select folded_snapshot as seen, pg_current_snapshot() as now_seen from projection_fold_watermark
      ), dirty as (
        select e.org_id, e.employee_id,
               (min(e.occurred_at) at time zone o.time_zone)::date - 1 as from_date,
               (max(e.occurred_at) at time zone o.time_zone)::date + 1 as to_date
          from mark
          join attendance_events e
            on e.ingest_xid >= pg_snapshot_xmin(mark.seen)
           and not pg_visible_in_snapshot(e.ingest_xid, mark.seen)
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
        update projection_fold_watermark w set folded_snapshot = mark.now_seen from mark returning 1
      )
      select (select count(*) from queued)::int as queued, (select count(*) from moved)::int as moved
    `);
    return rowsOf<{ queued: number }>(result)[0]?.queued ?? 0;
  });
}
